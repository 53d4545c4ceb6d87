/**
 * SigV4's arithmetic for the verifier (shared/protocol/sigv4.ts): the canonical request through
 * @smithy/signature-v4's own canonicalisation, the signing key, the signature, and the dates SigV4 uses.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4, getCanonicalHeaders } from '@smithy/signature-v4';
import type { VerifiableCredential } from '../core/credentials.js';
import type { SignedRequest } from './signed-request.js';
import { dataRecord } from '../core/data-record.js';

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** What a signature is computed over besides the request: the scope and the signed header names. */
export interface SignatureScope {
  day: string;
  region: string;
  service: string;
  /** The request time as signed (basic format). */
  amzDate: string;
  signedHeaders: string[];
}

/** The request shape SignatureV4 canonicalises (structurally @smithy/types' HttpRequest). */
interface HttpRequestLike {
  method: string;
  protocol: string;
  hostname: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
}

/**
 * SignatureV4 used backwards: the request as received, with the client's date, scope, signed headers and
 * body, goes through SignatureV4's own canonicalisation; only the final hashes are done here, synchronously
 * (SignatureV4's async hash interface costs far more under load than the hashing itself).
 */
class Canonicalizer extends SignatureV4 {
  constructor() {
    super({ service: 'kms', region: 'us-east-1', credentials: { accessKeyId: '', secretAccessKey: '' }, sha256: NodeSha256, applyChecksum: false });
  }
  canonicalRequest(request: HttpRequestLike, signedHeaders: string[], payloadHash: string): string {
    const canonicalHeaders = getCanonicalHeaders(request, undefined, signedHeaderSet(signedHeaders));
    return this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
  }
}
let canonicalizer: Canonicalizer | undefined; // made on first use (NodeSha256 is declared below)

export function signatureOf(request: SignedRequest, auth: SignatureScope, payloadHash: string, credential: VerifiableCredential): string {
  // Only the headers the client says it signed, each as its values joined (SigV4's rule for repeats).
  const headers = dataRecord<string>(); // request data: `__proto__` is a name like any other
  for (const name of auth.signedHeaders) {
    const values = request.headers[name];
    if (values !== undefined) headers[name] = values.join(',');
  }
  const query = dataRecord<string | string[]>(); // request data: `__proto__` is a name like any other
  for (const name of Object.keys(request.query)) {
    const values = request.query[name]!;
    query[name] = values.length === 1 ? values[0]! : [...values];
  }
  const canonicalRequest = (canonicalizer ??= new Canonicalizer()).canonicalRequest(
    { method: request.method, protocol: 'https:', hostname: 'unused', path: request.path, query, headers }, // the body counts through payloadHash
    auth.signedHeaders,
    payloadHash,
  );
  const scope = `${auth.day}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${auth.amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', signingKey(credential, auth.day, auth.region, auth.service)).update(stringToSign).digest('hex');
}

/** SigV4's signing key (kDate → kRegion → kService → kSigning), derived once per day, region and service. */
function signingKey(credential: VerifiableCredential, day: string, region: string, service: string): Uint8Array {
  const id = `${day}/${region}/${service}`;
  let key = credential.signingKeys.get(id);
  if (!key) {
    const hmac = (k: string | Uint8Array, data: string) => createHmac('sha256', k).update(data).digest();
    key = hmac(hmac(hmac(hmac(`AWS4${credential.secretAccessKey}`, day), region), service), 'aws4_request');
    if (credential.signingKeys.size >= 64) credential.signingKeys.clear(); // a few days x regions at most
    credential.signingKeys.set(id, key);
  }
  return key;
}

/** SignedHeaders lists are few (one or two per SDK); their sets are kept. Bounded: clients choose them. */
const signedHeaderSets = new Map<string, Set<string>>();
function signedHeaderSet(names: string[]): Set<string> {
  const id = names.join(';');
  let set = signedHeaderSets.get(id);
  if (!set) {
    set = new Set(names);
    if (signedHeaderSets.size >= 64) signedHeaderSets.clear();
    signedHeaderSets.set(id, set);
  }
  return set;
}

/** node:crypto SHA-256 with the interface SignatureV4's constructor wants (never used to hash here). */
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
    throw new Error('not resettable');
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/**
 * SHA-256 in hex of bytes or a text (UTF-8): node:crypto's one-shot `hash` where there is one (Node 20.12+, the
 * Lambda runtime's 22), about a third cheaper than a Hash object for a request's few hundred bytes.
 */
export const sha256Hex: (data: string | Uint8Array) => string =
  typeof nodeCrypto.hash === 'function' ? (data) => nodeCrypto.hash('sha256', data, 'hex') : (data) => createHash('sha256').update(data).digest('hex');

const BASIC_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
/** `20260101T000000Z` → ms since the epoch; NaN unless it is that form and a real instant. */
export function parseBasicDate(value: string): number {
  const m = BASIC_DATE.exec(value);
  if (!m) return NaN;
  const [year, month, day, hour, minute, second] = [+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return NaN;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  return new Date(ms).getUTCDate() === day ? ms : NaN; // not 20260230
}

/** ms since the epoch → `20260101T000000Z`. */
export function basicDate(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** Comparison of two strings (signatures, token hashes) in a time that depends on their lengths only. */
export function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

