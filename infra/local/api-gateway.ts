/**
 * A small API Gateway (REST API, Lambda proxy integration, no authorizer) emulator on node:http. It turns
 * `POST /` (or `POST <basePath>/`, like a stage path `/dev/` on an execute-api host) into the
 * APIGatewayProxyEvent + Lambda Context the KMS API handler gets in AWS, and writes its
 * APIGatewayProxyResult back. It authenticates nobody: as in AWS with authMode=service, the handler
 * verifies each request's SigV4 signature itself (shared/protocol/sigv4.ts), against what the client
 * signed (the path it sent, in requestContext.path, and the Host header).
 *
 * This is the hot path of the local service: no per-request logging unless a debug logger is given,
 * one pass over the raw headers, no body copies for single-chunk bodies, keep-alive connections.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { buildEvent, LocalLambdaContext } from './lambda-event.js';
import { SlotTable, type Slotted } from './slot-table.js';

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export interface EmulatorLogger {
  /** Per-request lines; leave undefined at the default log level (hot path). */
  debug?: (message: string, fields?: Record<string, unknown>) => void;
  error: (message: string, fields?: Record<string, unknown>) => void;
}

export interface ApiGatewayOptions {
  handler: ApiHandler;
  /** The local runtime's operator routes (`/!admin/...`, infra/local/admin.ts); not part of API Gateway. */
  admin?: (req: IncomingMessage, res: ServerResponse) => void;
  logger?: EmulatorLogger;
  /** Refuse larger request bodies (API Gateway's own limit is 10 MB; KMS requests are tiny). */
  maxBodyBytes?: number;
  /** Like a Lambda timeout: answer 504 rather than leave the client hanging. */
  timeoutMs?: number;
  /**
   * Serve the API under this path, as API Gateway does on an execute-api host (`/dev`): clients then use
   * `http://host:port/dev` as their endpoint and sign `/dev/`. Default: none (`/`).
   */
  basePath?: string;
  /** The stage name in requestContext (default: the base path's name, else `local`). */
  stage?: string;
  functionName?: string;
  /** The region in the Lambda context's function ARN. */
  region?: string;
  /** `GET /health` and `GET /!health` (under the base path too): the local runtime's own state, no token needed. */
  health?: () => { healthy: boolean; body: object };
  /** Serves `/health` and `/!admin/...` in place of `health` and `admin` (an API worker forwards them: api-worker.ts). */
  operator?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Serve HTTPS with this certificate and key (PEM) instead of HTTP. */
  tls?: { cert: Buffer; key: Buffer };
}

export const MAX_BODY_BYTES = 1024 * 1024;
const JSON_TYPE = 'application/x-amz-json-1.1';

/** A request in the handler, for the timeout sweep. */
interface InFlight extends Slotted {
  res: ServerResponse;
  requestId: string;
  /** When API Gateway would give up on the integration (ms since the epoch). */
  deadline: number;
}

export interface EmulatorError {
  statusCode: number;
  type: string;
  message: string;
}

// ---------------------------------------------------------------------------------------------------
// Server

export function createApiGatewayServer(options: ApiGatewayOptions): Server {
  const { handler, logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const basePath = normalBasePath(options.basePath);
  const stage = options.stage ?? (basePath ? basePath.slice(1).split('/')[0]! : 'local');
  const functionName = options.functionName ?? 'kms-local-api';
  const region = options.region ?? 'us-east-1';
  const debug = logger?.debug;

  const serverOptions = { noDelay: true, requestTimeout: 60_000, headersTimeout: 20_000 };
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const started = debug ? performance.now() : 0;
    if (debug) {
      res.once('finish', () =>
        debug('request', { target: req.headers['x-amz-target'], status: res.statusCode, ms: +(performance.now() - started).toFixed(2) }),
      );
    }

    const url = originForm(req.url ?? '/');
    const queryAt = url.indexOf('?');
    const requestPath = queryAt < 0 ? url : url.slice(0, queryAt);
    // The path below the base path ('' or '/' is the API's root, as API Gateway maps `/dev` and `/dev/`).
    const below = !basePath ? requestPath : requestPath === basePath || requestPath.startsWith(`${basePath}/`) ? requestPath.slice(basePath.length) : undefined;
    // `/health` is what compose files and CI waits probe; `/!health` stays for earlier users.
    const healthPaths = ['/health', '/!health'];
    if ((options.health || options.operator) && req.method === 'GET' && (healthPaths.includes(requestPath) || healthPaths.includes(below ?? ''))) {
      if (options.operator) return options.operator(req, res);
      const { healthy, body } = options.health!();
      req.resume();
      return sendJson(res, healthy ? 200 : 503, body);
    }
    const admin = options.operator ?? options.admin;
    if (admin && (requestPath.startsWith('/!admin/') || below?.startsWith('/!admin/'))) {
      if (below?.startsWith('/!admin/')) req.url = below + (queryAt < 0 ? '' : url.slice(queryAt));
      return admin(req, res);
    }
    if (below !== '/' && below !== '') {
      const message = `No resource at ${requestPath}: the KMS API is POST ${basePath ?? ''}/`;
      return refuse(req, res, maxBodyBytes, { statusCode: 404, type: 'UnknownOperationException', message });
    }
    if (req.method !== 'POST') {
      const error = { statusCode: 405, type: 'UnknownOperationException', message: `The KMS API accepts only POST ${basePath ?? ''}/` };
      return refuse(req, res, maxBodyBytes, error, { Allow: 'POST' });
    }
    const declared = Number(req.headers['content-length']);
    if (declared > maxBodyBytes) return refuseTooLarge(req, res, maxBodyBytes);

    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        chunks.length = 0;
        refuseTooLarge(req, res, maxBodyBytes);
      } else chunks.push(chunk);
    });
    req.on('error', () => {}); // client went away mid-body: nothing to answer
    req.on('end', () => {
      if (res.headersSent || res.writableEnded) return;
      const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      invoke(req, res, raw.toString('utf8'), requestPath, below === '' ? '/' : below);
    });
  };
  // HTTPS (KMS_TLS): the same API behind TLS, for clients that speak nothing else.
  const server: Server = options.tls
    ? (createHttpsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, listener) as unknown as Server)
    : createServer(serverOptions, listener);

  // Requests in the handler, for the timeout: one periodic sweep answers those past their deadline
  // 504, instead of a timer per request (set and cleared thousands of times a second under load).
  // (Not a Set: see SlotTable.)
  const inFlight = new SlotTable<InFlight>();
  const sweepMs = Math.min(1000, Math.max(10, Math.floor(timeoutMs / 4)));
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () => {
    const now = Date.now();
    inFlight.forEach((call) => {
      if (call.deadline > now) return;
      inFlight.delete(call);
      logger?.error('handler timed out', { requestId: call.requestId, timeoutMs });
      // API Gateway's answer when the integration does not return in time.
      reply(call.res, { statusCode: 504, type: 'EndpointRequestTimeoutException', message: 'Endpoint request timed out' }, undefined, call.requestId);
    });
    if (inFlight.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };

  function invoke(req: IncomingMessage, res: ServerResponse, body: string, requestPath: string, resourcePath: string) {
    const now = Date.now();
    const requestId = randomUUID();
    const event = buildEvent({ req, body, requestId, stage, requestPath, resourcePath, now });
    const context = new LocalLambdaContext(functionName, randomUUID(), region, now + timeoutMs);
    const call: InFlight = { res, requestId, deadline: now + timeoutMs, slot: -1 };
    inFlight.add(call);
    if (!sweeper) sweeper = setInterval(sweep, sweepMs).unref();
    let promise: Promise<APIGatewayProxyResult>;
    try {
      promise = handler(event, context);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (result) => {
        inFlight.delete(call);
        writeResult(res, result, requestId, logger);
      },
      (error: unknown) => {
        inFlight.delete(call);
        logger?.error('handler failed', { requestId, error: error instanceof Error ? error.stack : String(error) });
        reply(res, badGateway, undefined, requestId); // what API Gateway answers when the Lambda throws
      },
    );
  }

  // SDK clients keep connections open for reuse; closing an idle one while a request is being sent
  // makes the client see a reset, so outlast typical client idle timeouts.
  server.keepAliveTimeout = 65_000;
  return server;
}

/** `/dev/` or `dev` → `/dev`; undefined for none or `/`. */
function normalBasePath(path: string | undefined): string | undefined {
  const trimmed = (path ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? undefined : `/${trimmed}`;
}

/**
 * A request line may carry an absolute URI (`POST http://host/dev/ HTTP/1.1`, what a client sends
 * through an HTTP proxy): servers must accept it (RFC 9112 3.2.2); the path is what follows the authority.
 */
function originForm(url: string): string {
  if (url.startsWith('/')) return url;
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(url);
  if (!match) return url;
  return match[1] === '' ? '/' : match[1]!.startsWith('?') ? `/${match[1]}` : match[1]!;
}

const badGateway: EmulatorError = { statusCode: 502, type: 'InternalServerErrorException', message: 'Internal server error' };

/** Writes a handler result, or 502 when it is not a valid proxy result (as API Gateway does). */
function writeResult(res: ServerResponse, result: APIGatewayProxyResult, requestId: string, logger?: EmulatorLogger) {
  if (res.writableEnded || res.destroyed) return; // timed out already, or the client left
  if (!result || typeof result.statusCode !== 'number' || (result.body != null && typeof result.body !== 'string')) {
    logger?.error('handler returned an invalid proxy result', { requestId });
    return reply(res, badGateway, undefined, requestId);
  }
  try {
    const body = result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? '');
    // A fresh object anyway: Content-Length must go into writeHead, or node falls back to chunked encoding.
    const headers: Record<string, string | number | boolean | Array<string | number | boolean>> = {
      'Content-Type': JSON_TYPE,
      'x-amzn-RequestId': requestId,
    };
    for (const name in result.headers) {
      const lower = name.toLowerCase();
      // The handler's own values replace the defaults, whatever case it spells their names in.
      // (delete only on a different spelling: it would turn the object into a slow dictionary)
      if (lower === 'content-type' && name !== 'Content-Type') delete headers['Content-Type'];
      else if (lower === 'x-amzn-requestid' && name !== 'x-amzn-RequestId') delete headers['x-amzn-RequestId'];
      else if (lower === 'content-length' || lower === 'transfer-encoding') continue; // the body decides
      headers[name] = result.headers[name]!;
    }
    for (const name in result.multiValueHeaders) headers[name] = result.multiValueHeaders[name]!;
    headers['Content-Length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    res.writeHead(result.statusCode, headers as Record<string, string | number | string[]>);
    res.end(body);
  } catch (error) {
    // e.g. an invalid header name or value from the handler
    logger?.error('could not write the handler result', { requestId, error: String(error) });
    if (!res.headersSent) reply(res, badGateway, undefined, requestId);
    else res.destroy();
  }
}

function sendJson(res: ServerResponse, status: number, body: object) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Emulator-made error responses: AWS JSON error body plus the header API Gateway adds. */
function reply(res: ServerResponse, error: EmulatorError, extraHeaders?: Record<string, string>, requestId: string = randomUUID()) {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const body = JSON.stringify({ __type: error.type, message: error.message });
  res.writeHead(error.statusCode, {
    'Content-Type': JSON_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
    'x-amzn-ErrorType': error.type,
    ...extraHeaders,
  });
  res.end(body);
}

/**
 * Answers without reading the body. The body is drained so the keep-alive connection stays usable,
 * unless it turns out too large to be worth reading.
 */
function refuse(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number, error: EmulatorError, extraHeaders?: Record<string, string>) {
  let drained = 0;
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > maxBodyBytes) req.socket.destroy();
  });
  req.on('error', () => {});
  reply(res, error, extraHeaders);
}

/**
 * Too large: answer 413 and close the connection instead of reading megabytes we will not use.
 * The socket is ended only after the answer is flushed, so the client gets the 413, not a reset.
 */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse, maxBodyBytes: number) {
  req.on('error', () => {});
  if (res.headersSent) return;
  res.shouldKeepAlive = false;
  res.once('finish', () => req.socket.end());
  reply(res, { statusCode: 413, type: 'RequestEntityTooLargeException', message: `Request body larger than ${maxBodyBytes} bytes` }, { Connection: 'close' });
  req.resume(); // discard what is already arriving until the socket closes
}
