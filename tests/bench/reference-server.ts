/**
 * The benchmark's reference: a minimal KMS Encrypt server that does only the unavoidable work of an
 * Encrypt and nothing else (no store, no middleware, no logging):
 *
 *   1. SigV4 check, for real: the canonical request and string to sign are recomputed from the incoming
 *      request (method, path, query, the signed headers, SHA-256 of the body) and HMAC'd with a signing
 *      key derived once per (access key, date, region, service) and cached; mismatch → 400
 *      InvalidSignatureException (AWS's status for it).
 *   2. JSON decode of the body, base64 decode of Plaintext.
 *   3. AES-256-GCM under a fixed key, random 12-byte IV, the EncryptionContext (canonical sorted,
 *      length-prefixed encoding) as AAD.
 *   4. JSON encode of `{CiphertextBlob, KeyId, EncryptionAlgorithm}`.
 *
 * Run as a child process by tests/bench/bench.ts (`node --import tsx tests/bench/reference-server.ts`,
 * env REF_PORT / REF_HOST); prints `reference listening on http://host:port` when ready. The SigV4
 * verifier is exported for tests/unit/bench-sigv4.test.ts.
 */
import { createCipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';

export const REFERENCE_ACCOUNT = '111122223333';
export const REFERENCE_KEY_ID = '00000000-0000-4000-8000-000000000000';

/** How far X-Amz-Date may be from the server's clock (AWS allows 15 minutes). */
const MAX_SKEW_MS = 15 * 60 * 1000;

export interface SigV4Request {
  method: string;
  /** Path plus optional query string, as on the request line. */
  url: string;
  /** Lower-case header names (as node:http gives them). */
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type SigV4Result =
  | { ok: true; accessKeyId: string; region: string; service: string }
  | { ok: false; status: number; type: string; message: string };

export interface SigV4VerifierOptions {
  /** access key id → secret access key */
  credentials: Record<string, string>;
  /** Only this service name is accepted in the credential scope. */
  service?: string;
  now?: () => number;
}

const AUTH_RE = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Builds a SigV4 (header-signed, AWS4-HMAC-SHA256) verifier. Signing keys are derived on first use of a
 * (access key, date, region, service) and cached; per request it hashes the body, builds the canonical
 * request, hashes it and computes one HMAC.
 */
export function createSigV4Verifier(options: SigV4VerifierOptions): (req: SigV4Request) => SigV4Result {
  const service = options.service ?? 'kms';
  const now = options.now ?? Date.now;
  const signingKeys = new Map<string, Buffer>();

  const fail = (status: number, type: string, message: string): SigV4Result => ({ ok: false, status, type, message });

  return (req) => {
    const authorization = req.headers.authorization;
    if (!authorization) return fail(400, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    const auth = AUTH_RE.exec(authorization);
    if (!auth) return fail(400, 'IncompleteSignatureException', 'Authorization header is not a valid AWS4-HMAC-SHA256 signature');
    const [, accessKeyId, scopeDate, region, scopeService, signedHeaderList, signature] = auth as unknown as [
      string, string, string, string, string, string, string,
    ];
    const secret = options.credentials[accessKeyId];
    if (secret === undefined) return fail(400, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (scopeService !== service) return fail(400, 'InvalidSignatureException', `Credential should be scoped to correct service: '${service}'.`);

    const amzDate = headerValue(req.headers['x-amz-date']);
    const date = amzDate === undefined ? undefined : AMZ_DATE_RE.exec(amzDate);
    if (!amzDate || !date) return fail(400, 'IncompleteSignatureException', 'Missing or malformed X-Amz-Date');
    if (amzDate.slice(0, 8) !== scopeDate) return fail(400, 'InvalidSignatureException', 'Credential should be scoped to a valid date.');
    const signedAt = Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!);
    if (Math.abs(now() - signedAt) > MAX_SKEW_MS) return fail(400, 'InvalidSignatureException', 'Signature expired or not yet valid.');

    const signedHeaders = signedHeaderList.split(';');
    if (!signedHeaders.includes('host')) return fail(400, 'InvalidSignatureException', "'Host' must be a signed header.");
    let canonicalHeaders = '';
    let previous = '';
    for (const name of signedHeaders) {
      if (name <= previous) return fail(400, 'InvalidSignatureException', 'SignedHeaders must be sorted and unique.');
      previous = name;
      const value = headerValue(req.headers[name]);
      if (value === undefined) return fail(400, 'InvalidSignatureException', `Signed header '${name}' is missing.`);
      canonicalHeaders += `${name}:${canonicalHeaderValue(value)}\n`;
    }

    const payloadHash = createHash('sha256').update(req.body).digest('hex');
    const claimedPayloadHash = headerValue(req.headers['x-amz-content-sha256']);
    if (claimedPayloadHash !== undefined && claimedPayloadHash !== payloadHash) {
      return fail(400, 'InvalidSignatureException', 'The provided x-amz-content-sha256 header does not match the computed hash.');
    }

    const queryAt = req.url.indexOf('?');
    const path = queryAt < 0 ? req.url : req.url.slice(0, queryAt);
    const query = queryAt < 0 ? '' : req.url.slice(queryAt + 1);
    const canonicalRequest =
      `${req.method}\n${canonicalPath(path)}\n${canonicalQuery(query)}\n${canonicalHeaders}\n${signedHeaderList}\n${payloadHash}`;
    const scope = `${scopeDate}/${region}/${scopeService}/aws4_request`;
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;

    const cacheKey = `${accessKeyId}/${scope}`;
    let signingKey = signingKeys.get(cacheKey);
    if (!signingKey) {
      signingKey = deriveSigningKey(secret, scopeDate, region, scopeService);
      signingKeys.set(cacheKey, signingKey);
    }
    const expected = createHmac('sha256', signingKey).update(stringToSign).digest();
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
      return fail(400, 'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.');
    }
    return { ok: true, accessKeyId, region, service: scopeService };
  };
}

export function deriveSigningKey(secret: string, date: string, region: string, service: string): Buffer {
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return key;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function canonicalHeaderValue(value: string): string {
  return value.replace(/[\r\n]/g, ' ').replace(/[ \t]+/g, ' ').trim();
}

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalPath(path: string): string {
  if (path === '/' || path === '') return '/';
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `/${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  // Non-S3 services double-encode: the wire path (already encoded once) is encoded again.
  return escapeUri(normalized).replace(/%2F/g, '/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs: string[] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    if (key.toLowerCase() === 'x-amz-signature') continue;
    pairs.push(`${escapeUri(key)}=${escapeUri(value)}`);
  }
  return pairs.sort().join('&');
}

/** Canonical encryption context: pairs sorted by key bytes, count and each key/value length-prefixed. */
export function canonicalContext(context: unknown): Buffer {
  if (context === undefined || context === null) return EMPTY;
  if (typeof context !== 'object' || Array.isArray(context)) throw new TypeError('EncryptionContext must be a map');
  const pairs: Array<[Buffer, Buffer]> = [];
  for (const [k, v] of Object.entries(context)) {
    if (typeof v !== 'string') throw new TypeError('EncryptionContext values must be strings');
    pairs.push([Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')]);
  }
  if (pairs.length === 0) return EMPTY;
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  let length = 4;
  for (const [k, v] of pairs) length += 8 + k.length + v.length;
  const out = Buffer.allocUnsafe(length);
  let offset = out.writeUInt32BE(pairs.length, 0);
  for (const [k, v] of pairs) {
    offset = out.writeUInt32BE(k.length, offset);
    offset += k.copy(out, offset);
    offset = out.writeUInt32BE(v.length, offset);
    offset += v.copy(out, offset);
  }
  return out;
}
const EMPTY = Buffer.alloc(0);

export interface ReferenceServerOptions {
  credentials?: Record<string, string>;
  region?: string;
  now?: () => number;
}

/** The reference Encrypt server (not listening yet). */
export function createReferenceServer(options: ReferenceServerOptions = {}): Server {
  const verify = createSigV4Verifier({ credentials: options.credentials ?? { test: 'test' }, now: options.now });
  const dataKey = randomBytes(32);
  const region = options.region ?? 'us-east-1';
  const keyArn = `arn:aws:kms:${region}:${REFERENCE_ACCOUNT}:key/${REFERENCE_KEY_ID}`;

  const send = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, {
      'Content-Type': 'application/x-amz-json-1.1',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  };
  const error = (res: ServerResponse, status: number, type: string, message: string): void =>
    send(res, status, JSON.stringify({ __type: type, message }));

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const auth = verify({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body });
    if (!auth.ok) return error(res, auth.status, auth.type, auth.message);
    if (req.method !== 'POST' || req.headers['x-amz-target'] !== 'TrentService.Encrypt') {
      return error(res, 400, 'UnknownOperationException', 'Only TrentService.Encrypt is served here');
    }
    let input: { Plaintext?: unknown; EncryptionContext?: unknown };
    try {
      input = JSON.parse(body.toString('utf8')) as typeof input;
    } catch {
      return error(res, 400, 'SerializationException', 'Malformed JSON');
    }
    if (typeof input?.Plaintext !== 'string') return error(res, 400, 'ValidationException', 'Plaintext is required');
    const plaintext = Buffer.from(input.Plaintext, 'base64');
    if (plaintext.length < 1 || plaintext.length > 4096) {
      return error(res, 400, 'ValidationException', 'Plaintext must be 1 to 4096 bytes');
    }
    let aad: Buffer;
    try {
      aad = canonicalContext(input.EncryptionContext);
    } catch (e) {
      return error(res, 400, 'ValidationException', (e as Error).message);
    }
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
    cipher.setAAD(aad);
    const sealed = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    send(res, 200, JSON.stringify({ CiphertextBlob: sealed.toString('base64'), KeyId: keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }));
  };

  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
  });
}

/** The second baseline: a bare node:http server that reads the body and parses nothing. */
export function createBareServer(): Server {
  const body = '{}';
  return createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': body.length });
      res.end(body);
    });
  });
}

function main(): void {
  const bare = process.argv.includes('--bare');
  const server = bare ? createBareServer() : createReferenceServer({ region: process.env.REF_REGION });
  const host = process.env.REF_HOST || '127.0.0.1';
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.REF_PORT || 0), host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    console.log(`${bare ? 'bare' : 'reference'} listening on http://${host}:${port}`);
  });
  const stop = (): void => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
