/**
 * Grant tokens (https://docs.aws.amazon.com/kms/latest/developerguide/using-grant-token.html).
 *
 * CreateGrant returns a token that lets the grantee use the grant at once, before the grant is readable
 * everywhere (caches of other instances, eventually consistent reads). So the token carries the grant
 * itself (id, key ARN, grantee, operations, constraints) and its issue time, plus an HMAC-SHA256 under a
 * key derived from the root key with HKDF (never the root key itself), and can authorize a request
 * without reading the grant. It authorizes nothing the grant would not, and nothing once the grant is
 * retired or revoked: the check refuses a token whose grant has a tombstone (grant-check.ts).
 *
 * Layout: `v1.<payload>.<mac>`, both base64url without padding; the payload is JSON, the MAC covers the
 * version and the payload text exactly as sent. Every token is different (a random nonce), as AWS's are,
 * even for the same grant. Anything we did not issue, or issued under another root key, is an
 * InvalidGrantTokenException; the message never says which check failed.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { EncryptionContext } from '../core/encryption-context.js';
import { InvalidGrantTokenException, KMSInternalException } from '../errors.js';
import { onFirstUse } from '../core/on-first-use.js';
import type { GrantOperation } from './types.js';
import { GRANT_ID, GRANT_OPERATIONS } from './rules.js';
import type { GrantConstraints } from './types.js';

/** What a token says about its grant. */
export interface GrantTokenClaims {
  grantId: string;
  keyArn: string;
  granteePrincipal?: string;
  granteeServicePrincipal?: string;
  operations: GrantOperation[];
  constraints?: GrantConstraints;
  /** Epoch milliseconds. */
  issuedAt: number;
}

const VERSION = 'v1';
const MAC_LABEL = Buffer.from('kms-grant-token-v1\u0000', 'utf8');
const HKDF_INFO = Buffer.from('kms-grant-token-mac-key-v1', 'utf8');
/** The model's limit for GrantTokenType. */
export const MAX_TOKEN_LENGTH = 8192;
const TOKEN = /^v1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;
const INVALID = 'Invalid grant token.';

/** The MAC key of grant tokens: HKDF-SHA256 of the root key, bound to this one purpose. */
export function deriveGrantTokenKey(rootKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', rootKey, Buffer.alloc(0), HKDF_INFO, 32));
}

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(MAC_LABEL).update(payload, 'ascii').digest();
}

/** Issues a token for the claims; `nonce` (16 random bytes) makes each token unique. */
export function issueGrantToken(key: Buffer, claims: GrantTokenClaims, nonce: Buffer): string {
  const body: Record<string, unknown> = {
    g: claims.grantId,
    k: claims.keyArn,
    o: claims.operations,
    t: claims.issuedAt,
    n: nonce.toString('base64url'),
  };
  if (claims.granteePrincipal !== undefined) body.p = claims.granteePrincipal;
  if (claims.granteeServicePrincipal !== undefined) body.s = claims.granteeServicePrincipal;
  if (claims.constraints !== undefined) body.c = claims.constraints;
  const payload = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
  const token = `${VERSION}.${payload}.${mac(key, payload).toString('base64url')}`;
  // Constraint limits keep tokens far below this; a longer one would be refused by every client model.
  if (token.length > MAX_TOKEN_LENGTH) throw new KMSInternalException();
  return token;
}

/** The claims of a token this service issued under `key`; InvalidGrantTokenException otherwise. */
export function verifyGrantToken(key: Buffer, token: string): GrantTokenClaims {
  const m = typeof token === 'string' && token.length <= MAX_TOKEN_LENGTH ? TOKEN.exec(token) : null;
  if (!m) throw new InvalidGrantTokenException(INVALID);
  const [, payload, sent] = m as unknown as [string, string, string];
  const given = Buffer.from(sent, 'base64url');
  const expected = mac(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidGrantTokenException(INVALID);
  // Authentic from here on; the shape is still checked, so a bug elsewhere cannot widen a grant.
  const claims = parseClaims(Buffer.from(payload, 'base64url').toString('utf8'));
  if (!claims) throw new InvalidGrantTokenException(INVALID);
  return claims;
}

const OPERATIONS = new Set<string>(GRANT_OPERATIONS);

function parseClaims(text: string): GrantTokenClaims | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b.g !== 'string' || !GRANT_ID.test(b.g)) return undefined;
  if (typeof b.k !== 'string' || !b.k.startsWith('arn:')) return undefined;
  if (typeof b.t !== 'number' || !Number.isFinite(b.t)) return undefined;
  if (!Array.isArray(b.o) || !b.o.every((op) => typeof op === 'string' && OPERATIONS.has(op))) return undefined;
  if (b.p !== undefined && typeof b.p !== 'string') return undefined;
  if (b.s !== undefined && typeof b.s !== 'string') return undefined;
  if ((b.p === undefined) === (b.s === undefined)) return undefined;
  const constraints = b.c === undefined ? undefined : parseConstraints(b.c);
  if (b.c !== undefined && !constraints) return undefined;
  const claims: GrantTokenClaims = { grantId: b.g, keyArn: b.k, operations: b.o as GrantOperation[], issuedAt: b.t };
  if (b.p !== undefined) claims.granteePrincipal = b.p as string;
  if (b.s !== undefined) claims.granteeServicePrincipal = b.s as string;
  if (constraints) claims.constraints = constraints;
  return claims;
}

function parseConstraints(value: unknown): GrantConstraints | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const out: GrantConstraints = {};
  for (const name of ['EncryptionContextSubset', 'EncryptionContextEquals'] as const) {
    if (v[name] === undefined) continue;
    const map = stringMap(v[name]);
    if (!map) return undefined;
    out[name] = map;
  }
  if (v.SourceArn !== undefined) {
    if (typeof v.SourceArn !== 'string') return undefined;
    out.SourceArn = v.SourceArn;
  }
  return out;
}

function stringMap(value: unknown): EncryptionContext | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>);
  if (!entries.every(([, v]) => typeof v === 'string')) return undefined;
  return Object.fromEntries(entries) as EncryptionContext;
}

/**
 * Issues and verifies grant tokens with the key derived from the root key (fetched and derived once).
 * Built once per process (shared/services.ts) and handed to operations in their context.
 */
export class GrantTokenSigner {
  constructor(private readonly rootKey: () => Promise<Buffer>) {}

  /** A failure is not kept: a later request tries again (e.g. Secrets Manager was unreachable). */
  private readonly macKey = onFirstUse(async () => deriveGrantTokenKey(await this.rootKey()));

  async issue(claims: GrantTokenClaims, nonce: Buffer): Promise<string> {
    return issueGrantToken(await this.macKey(), claims, nonce);
  }

  async verify(token: string): Promise<GrantTokenClaims> {
    return verifyGrantToken(await this.macKey(), token);
  }
}
