/**
 * The pure rules of grants: who a grant's principal stands for, which operations a key's grants may
 * allow, how constraints match a request, and when a child grant is at least as strict as its parent.
 * No I/O; unit-tested in tests/unit/grant-token.test.ts.
 *
 * Principals. A grant names its grantee (and retiring principal) by ARN, and a principal matches a caller
 *   - when it is the caller's ARN exactly;
 *   - when it is an IAM role `arn:aws:iam::A:role/<path>R` and the caller is one of its sessions,
 *     `arn:aws:sts::A:assumed-role/R/<session>` (a session ARN carries the role name without its path);
 *   - when it is an account root `arn:aws:iam::A:root` and the caller is any principal of account A.
 * The last one is a decision. In AWS a grant to an account (like a key policy statement naming the
 * account root) delegates to that account: its principals may use the grant when their IAM identity
 * policies allow the operation on the key. This deployment has no IAM identity policies, and the
 * authorizer already reads the account root in a key policy as "every principal of that account the
 * deployment lets in" (ARCHITECTURE "Identity and authorization", shared/authz/authorize.ts); grants
 * follow the same reading so that the two mechanisms agree. `accountRootStandsForItsPrincipals` is the
 * one switch.
 */
import { createHash } from 'node:crypto';
import type { EncryptionContext } from '../core/encryption-context.js';
import { PARTITION } from '../core/ids.js';
import type { KeyRecord } from '../core/types.js';
import { ValidationException } from '../errors.js';
import { GRANT_OPERATION_NAMES } from '../model/names.js';
import type { GrantOperation } from './types.js';
import type { GrantConstraints, GrantRecord } from './types.js';

export const accountRootStandsForItsPrincipals = true;

/** AWS's quota: grants per KMS key (not adjustable). */
export const MAX_GRANTS_PER_KEY = 50_000;
/** Per encryption-context constraint: at most 8 pairs, at most 384 characters (keys and values together). */
export const MAX_CONSTRAINT_PAIRS = 8;
export const MAX_CONSTRAINT_CHARS = 384;

export const GRANT_ID = /^[0-9a-f]{64}$/;

/**
 * How long a grant token may stand in for its grant (grant-check.ts). Grants become readable within the
 * cache TTL (seconds); a day leaves room for a region's replication to lag far behind.
 */
export const TOKEN_AUTHORITY_MS = 24 * 60 * 60 * 1000;
/**
 * A tombstone is needed only while tokens of its grant could still be honoured: it carries an expiry
 * (`expiresAt`, epoch seconds) twice that long after the removal, for a DynamoDB TTL to reap it.
 */
export const TOMBSTONE_RETENTION_MS = 2 * TOKEN_AUTHORITY_MS;

// ---------------------------------------------------------------------------------------------------
// Principals

const NAME = '[\\w+=,.@-]+';
const PRINCIPAL_ARN = new RegExp(
  `^arn:(aws[a-z-]*):(iam|sts)::(\\d{12}):(root|user/(?:${NAME}/)*${NAME}|role/(?:${NAME}/)*${NAME}|assumed-role/(${NAME})/${NAME}|federated-user/${NAME})$`,
);

export interface ParsedPrincipal {
  partition: string;
  account: string;
  kind: 'root' | 'user' | 'role' | 'assumed-role' | 'federated-user';
  /** The role name (without path) of a role or of a role session. */
  roleName?: string;
}

/** Parses an IAM principal ARN (account root, user, role, role session, federated user). */
export function parsePrincipalArn(arn: string): ParsedPrincipal | undefined {
  const m = PRINCIPAL_ARN.exec(arn);
  if (!m) return undefined;
  const [, partition, service, account, resource, sessionRole] = m as unknown as [string, string, string, string, string, string | undefined];
  const kind = resource === 'root' ? 'root' : (resource.slice(0, resource.indexOf('/')) as ParsedPrincipal['kind']);
  // Roots, users and roles are IAM ARNs; sessions and federated users are STS ARNs.
  const sts = kind === 'assumed-role' || kind === 'federated-user';
  if ((service === 'sts') !== sts) return undefined;
  const roleName = kind === 'role' ? resource.slice(resource.lastIndexOf('/') + 1) : kind === 'assumed-role' ? sessionRole : undefined;
  return { partition, account, kind, roleName };
}

export interface GranteeRef {
  principal?: string;
  servicePrincipal?: string;
}

/**
 * The key under which a grant is indexed for its grantee: callers look their grants up by the match keys
 * they stand for (callerMatchKeys), so a lookup needs no scan of the key's grants.
 */
export function granteeMatchKey(grantee: GranteeRef): string {
  if (grantee.servicePrincipal !== undefined) return `service:${grantee.servicePrincipal}`;
  const principal = grantee.principal ?? '';
  const parsed = parsePrincipalArn(principal);
  if (parsed?.kind === 'root') return accountRootStandsForItsPrincipals ? accountKey(parsed.partition, parsed.account) : `principal:${principal}`;
  if (parsed?.kind === 'role') return `role:${parsed.partition}:${parsed.account}:${parsed.roleName}`;
  return `principal:${principal}`;
}

const accountKey = (partition: string, account: string) => `account:${partition}:${account}`;

export interface CallerIdentity {
  principalArn: string;
  account: string;
}

/** Every match key a caller stands for (see the module comment). */
export function callerMatchKeys(caller: CallerIdentity): string[] {
  const keys = new Set<string>([granteeMatchKey({ principal: caller.principalArn })]);
  const parsed = parsePrincipalArn(caller.principalArn);
  if (parsed?.kind === 'assumed-role') keys.add(`role:${parsed.partition}:${parsed.account}:${parsed.roleName}`);
  if (accountRootStandsForItsPrincipals) keys.add(accountKey(parsed?.partition ?? PARTITION, caller.account));
  return [...keys];
}

/** Whether a grant's principal (grantee or retiring principal) stands for the caller. */
export function principalMatches(principal: string | undefined, caller: CallerIdentity): boolean {
  if (principal === undefined) return false;
  if (principal === caller.principalArn) return true;
  return callerMatchKeys(caller).includes(granteeMatchKey({ principal }));
}

/**
 * Whether the caller is the account itself, i.e. its root user: RetireGrant's fallback for "the AWS
 * account in which the grant was created". Unlike a grantee, this account is not a principal the grant
 * names, so the reading above does not apply: AWS lets the account delegate kms:RetireGrant only through
 * IAM policies, which this deployment does not have, so the fallback stays with the root user. (Reading
 * it as every principal of the account would let anyone in the account retire anyone's grants and make
 * RetiringPrincipal meaningless within an account.)
 */
export function callerIsAccountRoot(caller: CallerIdentity, account: string): boolean {
  return caller.account === account && parsePrincipalArn(caller.principalArn)?.kind === 'root';
}

// ---------------------------------------------------------------------------------------------------
// Operations

/** Every grant operation, as AWS's model lists them. */
export const GRANT_OPERATIONS: readonly GrantOperation[] = GRANT_OPERATION_NAMES;

const ANY_KEY: GrantOperation[] = ['CreateGrant', 'RetireGrant', 'DescribeKey'];

/**
 * The grant operations a key supports (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html#terms-grant-operations):
 * a grant may only allow operations its key can perform.
 */
export function grantOperationsFor(key: Pick<KeyRecord, 'keySpec' | 'keyUsage'>): ReadonlySet<GrantOperation> {
  const symmetric = key.keySpec === 'SYMMETRIC_DEFAULT';
  switch (key.keyUsage) {
    case 'ENCRYPT_DECRYPT':
      return new Set<GrantOperation>(
        symmetric
          ? ['Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo',
             'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', ...ANY_KEY]
          : ['Decrypt', 'Encrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey', ...ANY_KEY],
      );
    case 'SIGN_VERIFY':
      return new Set<GrantOperation>(['Sign', 'Verify', 'GetPublicKey', ...ANY_KEY]);
    case 'GENERATE_VERIFY_MAC':
      return new Set<GrantOperation>(['GenerateMac', 'VerifyMac', ...ANY_KEY]);
    case 'KEY_AGREEMENT':
      return new Set<GrantOperation>(['DeriveSharedSecret', 'GetPublicKey', ...ANY_KEY]);
  }
}

/** Operations that take an encryption context: the only ones encryption-context constraints apply to. */
const CONTEXT_OPERATIONS = new Set<GrantOperation>([
  'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo',
  'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
]);

/** Keeps the first occurrence of each operation, in request order. */
export function distinctOperations(operations: readonly GrantOperation[]): GrantOperation[] {
  return [...new Set(operations)];
}

// ---------------------------------------------------------------------------------------------------
// Constraints

/**
 * In a grant constraint the key of each pair is not case sensitive but the value is (API reference,
 * GrantConstraints). True when every pair of `required` is in `context`.
 */
function containsPairs(context: EncryptionContext, required: EncryptionContext): boolean {
  const present = Object.entries(context);
  return Object.entries(required).every(([k, v]) => {
    const lower = k.toLowerCase();
    return present.some(([ck, cv]) => cv === v && ck.toLowerCase() === lower);
  });
}

function samePairs(a: EncryptionContext, b: EncryptionContext): boolean {
  return containsPairs(a, b) && containsPairs(b, a);
}

export interface CheckedRequest {
  operation: GrantOperation;
  encryptionContext?: EncryptionContext;
}

/**
 * Whether a grant's constraints allow a request. Encryption-context constraints apply only to
 * operations that take an encryption context (they are ignored for DescribeKey, RetireGrant and
 * CreateGrant; CreateGrant is held to child-grant strictness instead). SourceArn allows a request only
 * when it is made on behalf of that AWS resource; no request reaching this service is (no AWS service
 * calls it on anyone's behalf), so such a grant allows nothing but RetireGrant, to which SourceArn does
 * not apply.
 */
export function constraintsAllow(constraints: GrantConstraints | undefined, request: CheckedRequest): boolean {
  if (!constraints) return true;
  if (constraints.SourceArn !== undefined && request.operation !== 'RetireGrant') return false;
  if (!CONTEXT_OPERATIONS.has(request.operation)) return true;
  const context = request.encryptionContext ?? {};
  if (constraints.EncryptionContextEquals && !samePairs(context, constraints.EncryptionContextEquals)) return false;
  if (constraints.EncryptionContextSubset && !containsPairs(context, constraints.EncryptionContextSubset)) return false;
  return true;
}

export interface GrantTerms {
  operations: readonly GrantOperation[];
  constraints?: GrantConstraints;
}

/**
 * A grant made with the CreateGrant permission of another grant must be equally or more restrictive:
 * a subset of its operations; the same SourceArn; an encryption-context constraint that implies the
 * parent's (a Subset may gain pairs or become an Equals that includes them; an Equals stays the same).
 */
export function atLeastAsStrict(child: GrantTerms, parent: GrantTerms): boolean {
  const allowed = new Set(parent.operations);
  if (!child.operations.every((op) => allowed.has(op))) return false;
  const p = parent.constraints ?? {};
  const c = child.constraints ?? {};
  if (p.SourceArn !== undefined && c.SourceArn !== p.SourceArn) return false;
  if (p.EncryptionContextEquals) {
    return c.EncryptionContextEquals !== undefined && samePairs(c.EncryptionContextEquals, p.EncryptionContextEquals);
  }
  if (p.EncryptionContextSubset) {
    const childPairs = c.EncryptionContextEquals ?? c.EncryptionContextSubset;
    return childPairs !== undefined && containsPairs(childPairs, p.EncryptionContextSubset);
  }
  return true;
}

/**
 * Limits AWS documents for constraints. A grant carries at most one encryption-context constraint:
 * the model allows both members, but AWS's kms:GrantConstraintType condition key is single-valued, so
 * a grant with both is refused here (our choice; AWS's answer is unverified).
 */
export function validateConstraints(constraints: GrantConstraints | undefined): void {
  if (!constraints) return;
  // An empty map counts as absent (AWS; Terraform's aws_kms_grant sends the unused one empty).
  if (nonEmpty(constraints.EncryptionContextSubset) && nonEmpty(constraints.EncryptionContextEquals)) {
    throw new ValidationException('A grant can have either an EncryptionContextEquals or an EncryptionContextSubset constraint, but not both.');
  }
  for (const [name, map] of [
    ['EncryptionContextSubset', constraints.EncryptionContextSubset],
    ['EncryptionContextEquals', constraints.EncryptionContextEquals],
  ] as const) {
    if (!map) continue;
    const pairs = Object.entries(map);
    if (pairs.length > MAX_CONSTRAINT_PAIRS) {
      throw new ValidationException(`The ${name} grant constraint can include at most ${MAX_CONSTRAINT_PAIRS} encryption context pairs.`);
    }
    const chars = pairs.reduce((n, [k, v]) => n + k.length + v.length, 0);
    if (chars > MAX_CONSTRAINT_CHARS) {
      throw new ValidationException(`The ${name} grant constraint cannot exceed ${MAX_CONSTRAINT_CHARS} characters.`);
    }
  }
}

/** The constraint type for kms:GrantConstraintType. */
export function constraintType(constraints: GrantConstraints | undefined): string | undefined {
  if (nonEmpty(constraints?.EncryptionContextEquals)) return 'EncryptionContextEquals';
  if (nonEmpty(constraints?.EncryptionContextSubset)) return 'EncryptionContextSubset';
  return undefined;
}

const nonEmpty = (map: EncryptionContext | undefined): map is EncryptionContext => map !== undefined && Object.keys(map).length > 0;

/**
 * Drops empty members, an empty encryption-context map included (it counts as absent), so an empty
 * `Constraints: {}` is stored (and listed) as no constraints.
 */
export function normalizeConstraints(constraints: GrantConstraints | undefined): GrantConstraints | undefined {
  if (!constraints) return undefined;
  const out: GrantConstraints = {};
  if (nonEmpty(constraints.EncryptionContextSubset)) out.EncryptionContextSubset = { ...constraints.EncryptionContextSubset };
  if (nonEmpty(constraints.EncryptionContextEquals)) out.EncryptionContextEquals = { ...constraints.EncryptionContextEquals };
  if (constraints.SourceArn !== undefined) out.SourceArn = constraints.SourceArn;
  return Object.keys(out).length > 0 ? out : undefined;
}

// ---------------------------------------------------------------------------------------------------
// Grants

/** Whether a grant (stored, or carried by a grant token) allows the caller this request. */
export function grantAllowsRequest(grant: GrantTerms & GranteeRef, caller: CallerIdentity, request: CheckedRequest): boolean {
  return (
    grant.principal !== undefined &&
    principalMatches(grant.principal, caller) &&
    grant.operations.includes(request.operation) &&
    constraintsAllow(grant.constraints, request)
  );
}

/** The terms of a stored grant in the shape grantAllowsRequest takes. */
export function termsOf(grant: GrantRecord): GrantTerms & GranteeRef {
  return { operations: grant.operations, constraints: grant.constraints, principal: grant.granteePrincipal, servicePrincipal: grant.granteeServicePrincipal };
}

function sortedPairs(map: EncryptionContext | undefined) {
  return map ? Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : null;
}

/**
 * The idempotency digest of a named CreateGrant: the name and every parameter that defines the grant
 * (operations as a set, constraint pairs in any order). Same digest, same grant.
 */
export function grantNameKey(name: string, grant: Omit<GrantRecord, 'grantId' | 'creationDate' | 'nameKey' | 'issuingAccount' | 'name'>): string {
  const canonical = JSON.stringify([
    name,
    grant.keyId,
    grant.granteePrincipal ?? null,
    grant.granteeServicePrincipal ?? null,
    grant.retiringPrincipal ?? null,
    grant.retiringServicePrincipal ?? null,
    [...grant.operations].sort(),
    sortedPairs(grant.constraints?.EncryptionContextSubset),
    sortedPairs(grant.constraints?.EncryptionContextEquals),
    grant.constraints?.SourceArn ?? null,
  ]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** A GrantListEntry as ListGrants and ListRetirableGrants return it. */
export function grantListEntry(grant: GrantRecord) {
  const partition = grant.keyArn.split(':')[1] ?? PARTITION;
  return {
    KeyId: grant.keyArn,
    GrantId: grant.grantId,
    Name: grant.name,
    CreationDate: new Date(grant.creationDate),
    GranteePrincipal: grant.granteePrincipal,
    RetiringPrincipal: grant.retiringPrincipal,
    IssuingAccount: `arn:${partition}:iam::${grant.issuingAccount}:root`,
    Operations: grant.operations,
    Constraints: grant.constraints,
    GranteeServicePrincipal: grant.granteeServicePrincipal,
    RetiringServicePrincipal: grant.retiringServicePrincipal,
  };
}
