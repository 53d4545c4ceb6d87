/**
 * A small API Gateway (REST API, Lambda proxy integration) emulator on node:http. It turns `POST /` into
 * the APIGatewayProxyEvent + Lambda Context the KMS API handler gets in AWS, so the handler has a single
 * code path, and writes its APIGatewayProxyResult back.
 *
 * It is also the IAM authorizer: every request's SigV4 signature is verified against the local credentials
 * file (see credentials.ts) before the handler runs, and the caller's identity goes into `requestContext`.
 *
 * This is the hot path of the local service: no per-request logging unless a debug logger is given,
 * one pass over the raw headers, no body copies for single-chunk bodies, keep-alive connections, signing
 * keys derived once per (secret, date, region, service).
 */
import { createHash, createHmac, randomUUID, type Hash, type Hmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { SignatureV4, getCanonicalHeaders, getSigningKey } from '@smithy/signature-v4';
import { loadCredentials, type CredentialStore, type LocalPrincipal } from './credentials.js';

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
  /** Called before each dispatch with the request's region; returns a promise only while that region is not ready yet. */
  prepareRegion?: (region: string) => Promise<void> | undefined;
  /** Regions taken down by the operator (`npm run region -- down`): they answer 503, like an unreachable region. */
  isRegionDown?: (region: string) => boolean;
  logger?: EmulatorLogger;
  /** Refuse larger request bodies (API Gateway's own limit is 10 MB; KMS requests are tiny). */
  maxBodyBytes?: number;
  /** Like a Lambda timeout: answer 504 rather than leave the client hanging. */
  timeoutMs?: number;
  stage?: string;
  functionName?: string;
  /** Who may call: access keys and their principals. Default: the file named by KMS_CREDENTIALS_FILE, else the default file. */
  credentials?: CredentialStore;
  /** The clock the SigV4 freshness check uses (ms since the epoch). Default Date.now. */
  now?: () => number;
}

export const LOCAL_ACCOUNT_ID = '111122223333';
export const MAX_BODY_BYTES = 1024 * 1024;
const JSON_TYPE = 'application/x-amz-json-1.1';

// ---------------------------------------------------------------------------------------------------
// Authentication: SigV4, as API Gateway's IAM authorizer does it, against the local credentials file

export interface CallerIdentity {
  accountId: string;
  userArn: string;
  accessKey: string;
  caller: string;
  user: string;
  /** The VPC endpoint the request came through (an entry's vpcEndpointId), as API Gateway reports it for private APIs. */
  vpceId?: string;
}

export interface EmulatorError {
  statusCode: number;
  type: string;
  message: string;
}

export type AuthResult = { identity: CallerIdentity; region: string; error?: undefined } | { error: EmulatorError };

export interface SigV4Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string;
  signature: string;
}

export interface AuthenticatorOptions {
  credentials: CredentialStore;
  /** The server clock (ms since the epoch), for the freshness check. Default Date.now. */
  now?: () => number;
}

/** What the checks that need no body established; the signature itself is checked once the body is in. */
export interface PendingAuthentication {
  readonly identity: CallerIdentity;
  readonly region: string;
  readonly service: string;
  readonly signature: string;
  readonly signedHeaders: SignedHeaderList;
  readonly signer: RequestVerifier;
  readonly signingDate: Date;
  /** The request's time as the string to sign has it (X-Amz-Date, or the Date header in basic format). */
  readonly amzDate: string;
}

/** The error to answer, or undefined when the signature is right. */
export type Verdict = EmulatorError | undefined;

export interface Authenticator {
  /**
   * Everything that needs no body: the Authorization header's form, the access key, the session token,
   * the date and its freshness. Returns the error to answer, or what `verify` needs.
   */
  check(req: IncomingMessage): PendingAuthentication | EmulatorError;
  /** The signature over the request and its body; undefined when it matches. */
  /** Synchronous once the signing key of the day is known (the hot path); a promise only on first use. */
  verify(req: IncomingMessage, body: Uint8Array, pending: PendingAuthentication): Verdict | Promise<Verdict>;
}

/** How far X-Amz-Date may be from the server's clock, either way. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

/**
 * The local IAM authorizer. Per credential entry there is one SignatureV4 (node:crypto hashing) that
 * recomputes the request's signature; signing keys are derived once per (secret, date, region, service)
 * and cached.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const now = options.now ?? Date.now;
  const principals = new Map<string, { identity: CallerIdentity; sessionToken?: string; signer: RequestVerifier }>();
  for (const principal of options.credentials.principals) {
    principals.set(principal.accessKeyId, {
      identity: identityOf(principal),
      sessionToken: principal.sessionToken,
      // The session token is checked separately and signed like any other header.
      signer: new RequestVerifier({ accessKeyId: principal.accessKeyId, secretAccessKey: principal.secretAccessKey }),
    });
  }

  return {
    check(req) {
      const auth = parseAuthorization(req.headers.authorization);
      if ('type' in auth) return auth;
      if (auth.service !== 'kms') return invalidSignature(`Credential should be scoped to correct service: 'kms'.`);
      if (!REGION.test(auth.region)) return invalidSignature(`Credential should be scoped to a valid region.`);
      const signedHeaders = signedHeaderList(auth.signedHeaders);
      if (!signedHeaders.names.includes('host')) {
        return incompleteSignature(`'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`);
      }

      let amzDate = headerText(req.headers['x-amz-date']);
      let signedAt: number;
      if (amzDate !== undefined) {
        signedAt = parseBasicDate(amzDate);
        if (Number.isNaN(signedAt)) return incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`);
      } else {
        const date = req.headers.date;
        if (date === undefined) return incompleteSignature(`Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.`);
        signedAt = Date.parse(date);
        if (Number.isNaN(signedAt)) return incompleteSignature(`Date must be in RFC 1123 format. Got '${date}'.`);
        signedAt -= signedAt % 1000;
        amzDate = basicDate(signedAt);
      }

      const principal = principals.get(auth.accessKeyId);
      if (!principal) return unrecognizedClient();
      const token = headerText(req.headers['x-amz-security-token']);
      if (principal.sessionToken === undefined ? token !== undefined : token === undefined || !sameText(token, principal.sessionToken)) {
        return unrecognizedClient();
      }

      const day = amzDate.slice(0, 8);
      if (day !== auth.date) {
        return invalidSignature(
          `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${day}', from '${amzDate}'.`,
        );
      }
      const clock = now();
      if (signedAt < clock - MAX_CLOCK_SKEW_MS) {
        return invalidSignature(`Signature expired: ${amzDate} is now earlier than ${basicDate(clock - MAX_CLOCK_SKEW_MS)} (${basicDate(clock)} - 5 min.)`);
      }
      if (signedAt > clock + MAX_CLOCK_SKEW_MS) {
        return invalidSignature(`Signature not yet current: ${amzDate} is still later than ${basicDate(clock + MAX_CLOCK_SKEW_MS)} (${basicDate(clock)} + 5 min.)`);
      }
      return {
        identity: principal.identity,
        region: auth.region,
        service: auth.service,
        signature: auth.signature,
        signedHeaders,
        signer: principal.signer,
        signingDate: new Date(signedAt),
        amzDate,
      };
    },

    verify(req, body, pending) {
      // The request as the client signed it: only the headers it says it signed.
      const headers: Record<string, string> = {};
      for (const name of pending.signedHeaders.names) {
        const value = req.headers[name];
        if (value !== undefined) headers[name] = typeof value === 'string' ? value : value.join(',');
      }
      const payloadHash = createHash('sha256').update(body).digest('hex');
      // A declared body hash is what gets signed; a body changed after signing must not get through that way.
      const declaredHash = headers['x-amz-content-sha256'];
      if (declaredHash !== undefined && declaredHash !== payloadHash) return invalidSignature(SIGNATURE_MISMATCH);
      const url = req.url ?? '/';
      const queryAt = url.indexOf('?');
      const request: HttpRequestLike = {
        method: req.method ?? 'POST',
        protocol: 'http:',
        hostname: 'localhost', // not signed as such: the Host header is
        path: queryAt < 0 ? url : url.slice(0, queryAt),
        query: queryAt < 0 ? {} : signedQuery(url.slice(queryAt + 1)),
        headers,
        body,
      };
      const judge = (expected: string): Verdict => (sameText(expected, pending.signature) ? undefined : invalidSignature(SIGNATURE_MISMATCH));
      const expected = pending.signer.signatureOf(request, payloadHash, pending);
      return typeof expected === 'string' ? judge(expected) : expected.then(judge);
    },
  };
}

/**
 * Who is calling, as API Gateway's IAM authorizer would report it: `check` and `verify` in one call
 * (the server runs `check` before it reads the body, so a refused request's body is never buffered).
 */
export async function authenticate(req: IncomingMessage, body: Uint8Array | string, authenticator: Authenticator): Promise<AuthResult> {
  const pending = authenticator.check(req);
  if ('type' in pending) return { error: pending };
  const error = await authenticator.verify(req, typeof body === 'string' ? Buffer.from(body, 'utf8') : body, pending);
  return error ? { error } : { identity: pending.identity, region: pending.region };
}

function identityOf(principal: LocalPrincipal): CallerIdentity {
  const identity: CallerIdentity = {
    accountId: principal.accountId,
    userArn: principal.principalArn,
    accessKey: principal.accessKeyId,
    caller: principal.callerId,
    user: principal.callerId,
  };
  if (principal.vpcEndpointId !== undefined) identity.vpceId = principal.vpcEndpointId;
  return Object.freeze(identity);
}

/** The request shape SignatureV4 signs (structurally @smithy/types' HttpRequest). */
interface HttpRequestLike {
  method: string;
  protocol: string;
  hostname: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * SignatureV4 used backwards: the request as received, with the client's date, region, signed headers
 * and body, goes through SignatureV4's own canonicalisation and signing-key derivation, and the result is
 * compared with the client's signature.
 *
 * Why not `sign(request)`: it clones the request, drops any Date header and signs an X-Amz-Date of its
 * own, so it cannot check a Date-signed request. And why the two hashes are done here synchronously:
 * SignatureV4's hash interface is asynchronous, and its half-dozen awaits per request cost the service far
 * more under load than the hashing itself. The signing key (SignatureV4's getSigningKey) is derived once
 * per day, region and service and kept.
 */
class RequestVerifier extends SignatureV4 {
  private readonly signingKeys = new Map<string, Uint8Array>();

  constructor(private readonly secrets: { accessKeyId: string; secretAccessKey: string }) {
    super({ service: 'kms', region: 'us-east-1', credentials: secrets, sha256: NodeSha256, applyChecksum: false });
  }

  signatureOf(request: HttpRequestLike, payloadHash: string, pending: PendingAuthentication): string | Promise<string> {
    const { region, service, amzDate } = pending;
    const day = amzDate.slice(0, 8);
    const canonicalHeaders = getCanonicalHeaders(request, undefined, pending.signedHeaders.signable);
    const canonicalRequest = this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
    const scope = `${day}/${region}/${service}/aws4_request`;
    // The string to sign exactly as SignatureV4.createStringToSign builds it.
    const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
    const sign = (key: Uint8Array) => createHmac('sha256', key).update(stringToSign).digest('hex');
    const id = `${day}/${region}/${service}`;
    const key = this.signingKeys.get(id);
    if (key) return sign(key);
    return getSigningKey(NodeSha256, this.secrets, day, region, service).then((derived) => {
      if (this.signingKeys.size >= 64) this.signingKeys.clear(); // a few days x regions at most
      this.signingKeys.set(id, derived);
      return sign(derived);
    });
  }
}

/** node:crypto SHA-256 and HMAC-SHA256 with the interface SignatureV4 wants (for its signing-key derivation). */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }
  reset(): void {
    throw new Error('not resettable'); // SignatureV4 makes a new one per hash
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

interface SignedHeaderList {
  names: string[];
  /** All of them, even those SignatureV4 would not sign itself (User-Agent, ...): the client did. */
  signable: Set<string>;
}

/** SignedHeaders lists are few (one or two per SDK); parsed once each. Bounded: clients choose them. */
const signedHeaderLists = new Map<string, SignedHeaderList>();
function signedHeaderList(value: string): SignedHeaderList {
  let list = signedHeaderLists.get(value);
  if (!list) {
    const names = value.split(';');
    list = { names, signable: new Set(names) };
    if (signedHeaderLists.size >= 64) signedHeaderLists.clear();
    signedHeaderLists.set(value, list);
  }
  return list;
}

function signedQuery(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(search)) {
    const seen = query[name];
    query[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return query;
}

const BASIC_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** `20260101T000000Z` → ms since the epoch; NaN unless it is that form and a real instant. */
function parseBasicDate(value: string): number {
  const m = BASIC_DATE.exec(value);
  if (!m) return NaN;
  const [year, month, day, hour, minute, second] = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return NaN;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return new Date(ms).getUTCDate() === day ? ms : NaN; // not 20260230
}

/** ms since the epoch → `20260101T000000Z`. */
export function basicDate(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return typeof value === 'object' ? value.join(',') : value;
}

/** Comparison of two strings (signatures, session tokens) in a time that depends on their lengths only. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** Region names as AWS spells them (us-east-1, us-gov-west-1, cn-north-1, eu-central-2, ...). */
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
/** What the SDKs and the CLI send; anything else takes the slow path that says precisely what is wrong. */
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request, ?SignedHeaders=([^\s,]+), ?Signature=([0-9a-f]+)$/;

/** Parses (does not verify) a SigV4 Authorization header; errors use AWS's exception names and words. */
export function parseAuthorization(header: string | undefined): SigV4Authorization | EmulatorError {
  if (!header) return { statusCode: 400, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  const match = AUTHORIZATION.exec(header);
  if (match) {
    const [, accessKeyId, date, region, service, signedHeaders, signature] = match as unknown as string[];
    return { accessKeyId: accessKeyId!, date: date!, region: region!, service: service!, signedHeaders: signedHeaders!, signature: signature! };
  }
  if (!header.startsWith('AWS4-HMAC-SHA256 ')) {
    return incompleteSignature(`Authorization header requires 'AWS4-HMAC-SHA256' signing algorithm.`);
  }
  const params = new Map<string, string>();
  for (const part of header.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !params.get(name));
  if (missing.length > 0) {
    return incompleteSignature(missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '));
  }
  const credential = params.get('Credential')!;
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.some((element) => element === '')) {
    return incompleteSignature(
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    );
  }
  if (scope[4] !== 'aws4_request') return incompleteSignature(`Credential should be scoped with a valid terminator: 'aws4_request', not '${scope[4]}'.`);
  if (!/^\d{8}$/.test(scope[1]!)) return incompleteSignature(`Date must be in ISO-8601 'basic format'. Got '${scope[1]}'.`);
  if (!/^[0-9a-f]+$/.test(params.get('Signature')!)) return incompleteSignature(`Signature must be hex-encoded.`);
  return {
    accessKeyId: scope[0]!,
    date: scope[1]!,
    region: scope[2]!,
    service: scope[3]!,
    signedHeaders: params.get('SignedHeaders')!,
    signature: params.get('Signature')!,
  };
}

const incompleteSignature = (message: string): EmulatorError => ({ statusCode: 400, type: 'IncompleteSignatureException', message });
const invalidSignature = (message: string): EmulatorError => ({ statusCode: 400, type: 'InvalidSignatureException', message });
const unrecognizedClient = (): EmulatorError => ({ statusCode: 400, type: 'UnrecognizedClientException', message: INVALID_TOKEN });

// ---------------------------------------------------------------------------------------------------
// Event and context

export interface EventInput {
  req: IncomingMessage;
  body: string;
  identity: CallerIdentity;
  requestId: string;
  stage: string;
  now: number;
}

/** The REST API (v1) proxy event, shaped as API Gateway sends it for `POST /` with IAM authorization. */
export function buildEvent({ req, body, identity, requestId, stage, now }: EventInput): APIGatewayProxyEvent {
  // One pass over rawHeaders: API Gateway keeps the client's header-name case, the last value wins in
  // `headers`, every value is kept in `multiValueHeaders`.
  const raw = req.rawHeaders;
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    headers[name] = value;
    const values = multiValueHeaders[name];
    if (values) values.push(value);
    else multiValueHeaders[name] = [value];
  }
  const url = req.url ?? '/';
  const queryStart = url.indexOf('?');
  const query = queryStart < 0 ? null : queryParameters(url.slice(queryStart + 1));
  const host = req.headers.host ?? 'localhost';
  return {
    body,
    headers,
    multiValueHeaders,
    httpMethod: req.method ?? 'POST',
    isBase64Encoded: false,
    path: '/',
    pathParameters: null,
    queryStringParameters: query?.single ?? null,
    multiValueQueryStringParameters: query?.multi ?? null,
    stageVariables: null,
    resource: '/',
    requestContext: {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: 'local',
      authorizer: null,
      domainName: host,
      domainPrefix: host.split('.', 1)[0],
      extendedRequestId: requestId,
      httpMethod: req.method ?? 'POST',
      identity: {
        accessKey: identity.accessKey,
        accountId: identity.accountId,
        apiKey: null,
        apiKeyId: null,
        caller: identity.caller,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: sourceIp(req),
        user: identity.user,
        userAgent: req.headers['user-agent'] ?? null,
        userArn: identity.userArn,
        // Present only for private APIs (here: an access key with a vpcEndpointId), as in AWS.
        ...(identity.vpceId !== undefined ? { vpceId: identity.vpceId } : {}),
      },
      path: `/${stage}/`,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: requestTime(now),
      requestTimeEpoch: now,
      resourceId: 'local',
      resourcePath: '/',
      stage,
    },
  };
}

function queryParameters(search: string) {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(search)) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

function sourceIp(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let cachedSecond = -1;
let cachedRequestTime = '';

/** API Gateway's `09/Apr/2015:12:34:56 +0000`, formatted at most once per second. */
export function requestTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== cachedSecond) {
    const d = new Date(second * 1000);
    const two = (n: number) => String(n).padStart(2, '0');
    cachedRequestTime = `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(
      d.getUTCMinutes(),
    )}:${two(d.getUTCSeconds())} +0000`;
    cachedSecond = second;
  }
  return cachedRequestTime;
}

/** The Lambda context object; methods live on the prototype so a request allocates one small object. */
export class LocalLambdaContext implements Context {
  callbackWaitsForEmptyEventLoop = true;
  functionVersion = '$LATEST';
  memoryLimitInMB = '1024';
  readonly logGroupName: string;
  readonly logStreamName = 'local';
  readonly invokedFunctionArn: string;
  constructor(
    readonly functionName: string,
    readonly awsRequestId: string,
    region: string,
    private readonly deadline: number,
  ) {
    this.logGroupName = `/aws/lambda/${functionName}`;
    this.invokedFunctionArn = `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`;
  }
  getRemainingTimeInMillis(): number {
    return Math.max(0, this.deadline - Date.now());
  }
  done(): void {}
  fail(): void {}
  succeed(): void {}
}

// ---------------------------------------------------------------------------------------------------
// Server

export function createApiGatewayServer(options: ApiGatewayOptions): Server {
  const { handler, prepareRegion, logger } = options;
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const stage = options.stage ?? 'local';
  const functionName = options.functionName ?? 'kms-local-api';
  const debug = logger?.debug;
  const authenticator = createAuthenticator({ credentials: options.credentials ?? loadCredentials(), now: options.now });

  const server = createServer({ noDelay: true, requestTimeout: 60_000, headersTimeout: 20_000 }, (req, res) => {
    const started = debug ? performance.now() : 0;
    if (debug) {
      res.once('finish', () =>
        debug('request', { target: req.headers['x-amz-target'], status: res.statusCode, ms: +(performance.now() - started).toFixed(2) }),
      );
    }

    const url = req.url ?? '/';
    if (options.admin && url.startsWith('/!admin/')) return options.admin(req, res);
    if (url !== '/' && !url.startsWith('/?')) {
      const message = `No resource at ${url.split('?', 1)[0]}: the KMS API is POST /`;
      return refuse(req, res, maxBodyBytes, { statusCode: 404, type: 'UnknownOperationException', message });
    }
    if (req.method !== 'POST') {
      const error = { statusCode: 405, type: 'UnknownOperationException', message: 'The KMS API accepts only POST /' };
      return refuse(req, res, maxBodyBytes, error, { Allow: 'POST' });
    }
    const auth = authenticator.check(req);
    if ('type' in auth) return refuse(req, res, maxBodyBytes, auth);
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
      const proceed = (error: Verdict) => (error ? reply(res, error) : dispatch(req, res, raw.toString('utf8'), auth.identity, auth.region));
      let verdict: Verdict | Promise<Verdict>;
      try {
        verdict = authenticator.verify(req, raw, auth);
      } catch (error) {
        verdict = Promise.reject(error);
      }
      if (!(verdict instanceof Promise)) return proceed(verdict);
      verdict.then(
        proceed,
        (error: unknown) => {
          logger?.error('could not verify a signature', { error: error instanceof Error ? error.stack : String(error) });
          reply(res, { statusCode: 500, type: 'InternalFailure', message: 'The request processing has failed because of an unknown error.' });
        },
      );
    });
  });

  function dispatch(req: IncomingMessage, res: ServerResponse, body: string, identity: CallerIdentity, region: string) {
    if (res.headersSent || res.writableEnded) return;
    if (options.isRegionDown?.(region)) {
      const message = `The KMS endpoint of ${region} is unavailable (the region is down). Try another region.`;
      return reply(res, { statusCode: 503, type: 'ServiceUnavailableException', message });
    }
    const pending = prepareRegion?.(region);
    if (!pending) return invoke(req, res, body, identity, region);
    pending.then(
      () => invoke(req, res, body, identity, region),
      (error: unknown) => {
        logger?.error('could not create the table for a region', { region, error: String(error) });
        const message = 'The system timed out while trying to fulfill the request. You can retry the request.';
        reply(res, { statusCode: 503, type: 'DependencyTimeoutException', message });
      },
    );
  }

  function invoke(req: IncomingMessage, res: ServerResponse, body: string, identity: CallerIdentity, region: string) {
    const now = Date.now();
    const requestId = randomUUID();
    const event = buildEvent({ req, body, identity, requestId, stage, now });
    const context = new LocalLambdaContext(functionName, randomUUID(), region, now + timeoutMs);
    const timer = setTimeout(() => {
      logger?.error('handler timed out', { requestId, timeoutMs });
      // API Gateway's answer when the integration does not return in time.
      reply(res, { statusCode: 504, type: 'EndpointRequestTimeoutException', message: 'Endpoint request timed out' }, undefined, requestId);
    }, timeoutMs);
    let promise: Promise<APIGatewayProxyResult>;
    try {
      promise = handler(event, context);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (result) => {
        clearTimeout(timer);
        writeResult(res, result, requestId, logger);
      },
      (error: unknown) => {
        clearTimeout(timer);
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
