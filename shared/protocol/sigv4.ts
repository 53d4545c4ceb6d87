/**
 * The one SigV4 verifier: it authenticates every request the API function gets, behind API Gateway in
 * AWS and behind the local gateway alike, against the service's own credentials (shared/credentials).
 *
 * It verifies exactly what the client signed, once: the one Authorization header (or the presigned
 * query parameters), the path the client sent (behind API Gateway `requestContext.path`, e.g. `/dev/`),
 * the Host header, the signed headers and the body. Region, service and caller come only from the
 * verified credential scope; nothing else re-reads the header. The headers that select or frame the
 * operation (X-Amz-Target, Content-Type, X-Amz-Security-Token, the date) must be signed when present and
 * occur once, so a captured request cannot be replayed as another operation.
 *
 * Errors are AWS's exception names and words (KMS answers 400 to each):
 * MissingAuthenticationTokenException, IncompleteSignatureException, InvalidSignatureException,
 * UnrecognizedClientException.
 */
import type { VerifiableCredential } from '../core/credentials.js';
import type { SignedRequest } from './signed-request.js';
import { isAwsRegion } from '../regions.js';
import { basicDate, parseBasicDate, sameText, sha256Hex, signatureOf } from './sigv4-signature.js';
import {
  IncompleteSignatureException,
  InvalidSignatureException,
  KmsError,
  MissingAuthenticationTokenException,
  UnrecognizedClientException,
} from '../errors.js';

export interface Verified<C> {
  credential: C;
  region: string;
  service: string;
}

export interface SigV4VerifierOptions<C extends VerifiableCredential> {
  /** The signing names this endpoint answers for (e.g. kms and sts). */
  services: readonly string[];
  /** The credential of an access key id (usually from a short-TTL cache). */
  lookup(accessKeyId: string): C | undefined | Promise<C | undefined>;
  /** The server clock (ms since the epoch). Default Date.now. */
  now?: () => number;
  /** The region names a credential may be scoped to (regions.ts `regionNames`). Default AWS's. */
  regions?: (region: string) => boolean;
}

export interface SigV4Verifier<C> {
  /** The verified caller and scope, or the error to answer. Never throws for a malformed request. */
  verify(request: SignedRequest): Promise<Verified<C> | KmsError>;
}

/** How far the request's date may be from the server's clock, either way. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** The longest X-Amz-Expires SigV4 allows (7 days). */
export const MAX_PRESIGNED_EXPIRY_S = 7 * 24 * 60 * 60;

export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const INVALID_TOKEN = 'The security token included in the request is invalid.';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const QUERY_PARAMETERS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-Date', 'X-Amz-SignedHeaders'];
/** Headers whose one value decides what runs or how it is read: more than one is refused. */
const SINGLE_VALUED = ['host', 'x-amz-date', 'date', 'x-amz-target', 'content-type', 'x-amz-security-token', 'x-amz-content-sha256'];
/** Headers that must be among the signed ones whenever the request has them. */
const SIGNED_WHEN_PRESENT = ['x-amz-target', 'x-amz-security-token', 'content-type', 'x-amz-content-sha256'];

/** The parts of an Authorization header or of presigned query parameters, not yet verified. */
interface Authorization {
  accessKeyId: string;
  day: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** The request time as signed (basic format) and in ms. */
  amzDate: string;
  signedAt: number;
  /** Presigned: seconds from signedAt the signature stays valid. */
  expiresS?: number;
}

export function createSigV4Verifier<C extends VerifiableCredential>(options: SigV4VerifierOptions<C>): SigV4Verifier<C> {
  const now = options.now ?? Date.now;
  const services = new Set(options.services);
  const regions = options.regions ?? isAwsRegion;

  return {
    async verify(request) {
      const parsed = readAuthorization(request);
      if (parsed instanceof KmsError) return parsed;
      const scopeError = checkScope(parsed, request, services, regions, now());
      if (scopeError) return scopeError;

      const credential = await options.lookup(parsed.accessKeyId);
      if (!credential || !credential.active) return new UnrecognizedClientException(INVALID_TOKEN);
      const token = single(request.headers, 'x-amz-security-token') ?? single(request.query, 'X-Amz-Security-Token');
      if (credential.sessionTokenHash === undefined ? token !== undefined : token === undefined || !sameText(sha256Hex(token), credential.sessionTokenHash)) {
        return new UnrecognizedClientException(INVALID_TOKEN);
      }

      const payloadHash = sha256Hex(request.body);
      // A declared body hash is what gets signed; a body changed after signing must not get through that way.
      const declared = single(request.headers, 'x-amz-content-sha256');
      if (declared !== undefined && declared !== payloadHash) return new InvalidSignatureException(SIGNATURE_MISMATCH);
      const expected = signatureOf(request, parsed, payloadHash, credential);
      return sameText(expected, parsed.signature) ? { credential, region: parsed.region, service: parsed.service } : new InvalidSignatureException(SIGNATURE_MISMATCH);
    },
  };
}

/** Reads the one Authorization header, or the presigned query parameters; refuses both, several or neither. */
function readAuthorization(request: SignedRequest): Authorization | KmsError {
  const headers = request.headers.authorization ?? [];
  const presigned = QUERY_PARAMETERS.some((name) => request.query[name] !== undefined) || request.query['X-Amz-Expires'] !== undefined;
  if (headers.length > 0 && presigned) {
    return new IncompleteSignatureException(
      'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified',
    );
  }
  if (headers.length > 1) return new IncompleteSignatureException('Only one Authorization header is allowed.');
  if (headers.length === 1) return parseAuthorizationHeader(headers[0]!, request);
  if (presigned) return parsePresigned(request);
  return new MissingAuthenticationTokenException('Missing Authentication Token');
}

/** Parses an Authorization header: `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`, each exactly once. */
export function parseAuthorizationHeader(header: string, request: SignedRequest): Authorization | KmsError {
  if (!header.startsWith(`${ALGORITHM} `)) return new IncompleteSignatureException(`Authorization header requires '${ALGORITHM}' signing algorithm.`);
  const params = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (params.has(name)) return new IncompleteSignatureException(`Authorization header requires exactly one '${name}' parameter.`);
    params.set(name, part.slice(eq + 1).trim());
  }
  const missing = ['Credential', 'Signature', 'SignedHeaders'].filter((name) => !params.get(name));
  if (missing.length > 0) return new IncompleteSignatureException(missing.map((name) => `Authorization header requires '${name}' parameter.`).join(' '));
  const date = requestDate(request);
  if (date instanceof KmsError) return date;
  return authorizationOf(params.get('Credential')!, params.get('SignedHeaders')!, params.get('Signature')!, date);
}

/** Presigned SigV4 (query parameters), as the SDKs' presigners make it: the same checks plus X-Amz-Expires. */
function parsePresigned(request: SignedRequest): Authorization | KmsError {
  const values: Record<string, string> = {};
  for (const name of [...QUERY_PARAMETERS, 'X-Amz-Expires']) {
    const all = request.query[name];
    if (all === undefined || all.length === 0 || all[0] === '') {
      return new IncompleteSignatureException(
        `AWS query-string parameters must include ${QUERY_PARAMETERS.map((n) => `'${n}'`).join(', ')} and 'X-Amz-Expires'. Re-examine the query-string parameters.`,
      );
    }
    if (all.length > 1) return new IncompleteSignatureException(`Query-string parameter '${name}' must occur once.`);
    values[name] = all[0]!;
  }
  if (values['X-Amz-Algorithm'] !== ALGORITHM) return new IncompleteSignatureException(`X-Amz-Algorithm only supports '${ALGORITHM}'.`);
  const expires = values['X-Amz-Expires']!;
  if (!/^\d{1,7}$/.test(expires) || Number(expires) < 1 || Number(expires) > MAX_PRESIGNED_EXPIRY_S) {
    return new IncompleteSignatureException(`X-Amz-Expires must be a whole number of seconds from 1 to ${MAX_PRESIGNED_EXPIRY_S}, got '${expires}'.`);
  }
  const signedAt = parseBasicDate(values['X-Amz-Date']!);
  if (Number.isNaN(signedAt)) return new IncompleteSignatureException(`Date must be in ISO-8601 'basic format'. Got '${values['X-Amz-Date']}'. See http://en.wikipedia.org/wiki/ISO_8601`);
  const parsed = authorizationOf(values['X-Amz-Credential']!, values['X-Amz-SignedHeaders']!, values['X-Amz-Signature']!, {
    amzDate: values['X-Amz-Date']!,
    signedAt,
    header: 'x-amz-date-query',
  });
  if (parsed instanceof KmsError) return parsed;
  return { ...parsed, expiresS: Number(expires) };
}

interface RequestDate {
  amzDate: string;
  signedAt: number;
  /** The header the date came from, which must be signed ('x-amz-date-query' for presigned requests). */
  header: string;
}

/** X-Amz-Date (basic format), else the Date header (RFC 1123), exactly one of the one used. */
function requestDate(request: SignedRequest): RequestDate | KmsError {
  const amz = request.headers['x-amz-date'];
  if (amz !== undefined) {
    if (amz.length !== 1) return new IncompleteSignatureException(`Only one 'X-Amz-Date' header is allowed.`);
    const signedAt = parseBasicDate(amz[0]!);
    if (Number.isNaN(signedAt)) return new IncompleteSignatureException(`Date must be in ISO-8601 'basic format'. Got '${amz[0]}'. See http://en.wikipedia.org/wiki/ISO_8601`);
    return { amzDate: amz[0]!, signedAt, header: 'x-amz-date' };
  }
  const date = request.headers.date;
  if (date === undefined) return new IncompleteSignatureException(`Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.`);
  if (date.length !== 1) return new IncompleteSignatureException(`Only one 'Date' header is allowed.`);
  let signedAt = Date.parse(date[0]!);
  if (Number.isNaN(signedAt)) return new IncompleteSignatureException(`Date must be in RFC 1123 format. Got '${date[0]}'.`);
  signedAt -= signedAt % 1000;
  return { amzDate: basicDate(signedAt), signedAt, header: 'date' };
}

function authorizationOf(credential: string, signedHeaders: string, signature: string, date: RequestDate): Authorization | KmsError {
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.some((element) => element === '')) {
    return new IncompleteSignatureException(`Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`);
  }
  if (scope[4] !== 'aws4_request') return new IncompleteSignatureException(`Credential should be scoped with a valid terminator: 'aws4_request', not '${scope[4]}'.`);
  if (!/^\d{8}$/.test(scope[1]!)) return new IncompleteSignatureException(`Date must be in ISO-8601 'basic format'. Got '${scope[1]}'.`);
  if (!/^[0-9a-f]{64}$/.test(signature)) return new IncompleteSignatureException('Signature must be 64 hex-encoded characters.');
  const names = signedHeaders.split(';');
  if (date.header !== 'x-amz-date-query' && !names.includes(date.header)) {
    return new IncompleteSignatureException(`'${date.header === 'date' ? 'Date' : 'X-Amz-Date'}' must be a 'SignedHeader' in the AWS Authorization.`);
  }
  return {
    accessKeyId: scope[0]!,
    day: scope[1]!,
    region: scope[2]!,
    service: scope[3]!,
    signedHeaders: names,
    signature,
    amzDate: date.amzDate,
    signedAt: date.signedAt,
  };
}

/** Everything that needs no credential: service, region, signed headers, date and freshness. */
function checkScope(
  auth: Authorization,
  request: SignedRequest,
  services: Set<string>,
  regions: (region: string) => boolean,
  clock: number,
): KmsError | undefined {
  if (!services.has(auth.service)) {
    return new InvalidSignatureException(`Credential should be scoped to correct service: '${[...services][0]}'.`);
  }
  if (!regions(auth.region)) return new InvalidSignatureException('Credential should be scoped to a valid region.');
  if (!auth.signedHeaders.includes('host')) return new IncompleteSignatureException(`'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.`);
  for (const name of SINGLE_VALUED) {
    const values = request.headers[name];
    if (values !== undefined && values.length > 1) return new IncompleteSignatureException(`Only one '${name}' header is allowed.`);
  }
  if (request.headers.host === undefined) return new IncompleteSignatureException(`The request must carry a 'Host' header.`);
  for (const name of SIGNED_WHEN_PRESENT) {
    if (request.headers[name] !== undefined && !auth.signedHeaders.includes(name)) {
      return new IncompleteSignatureException(`'${name}' is present in the request and must be a 'SignedHeader' in the AWS Authorization.`);
    }
  }
  const day = auth.amzDate.slice(0, 8);
  if (day !== auth.day) {
    return new InvalidSignatureException(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.day}' != '${day}', from '${auth.amzDate}'.`,
    );
  }
  if (auth.signedAt > clock + MAX_CLOCK_SKEW_MS) {
    return new InvalidSignatureException(
      `Signature not yet current: ${auth.amzDate} is still later than ${basicDate(clock + MAX_CLOCK_SKEW_MS)} (${basicDate(clock)} + 5 min.)`,
    );
  }
  if (auth.expiresS !== undefined) {
    if (clock > auth.signedAt + auth.expiresS * 1000) {
      return new InvalidSignatureException(`Signature expired: ${auth.amzDate} is now earlier than ${basicDate(clock - auth.expiresS * 1000)} (${basicDate(clock)} - ${auth.expiresS} sec.)`);
    }
  } else if (auth.signedAt < clock - MAX_CLOCK_SKEW_MS) {
    return new InvalidSignatureException(`Signature expired: ${auth.amzDate} is now earlier than ${basicDate(clock - MAX_CLOCK_SKEW_MS)} (${basicDate(clock)} - 5 min.)`);
  }
  return undefined;
}

function single(values: Readonly<Record<string, readonly string[]>>, name: string): string | undefined {
  const all = values[name];
  return all === undefined ? undefined : all.join(',');
}

