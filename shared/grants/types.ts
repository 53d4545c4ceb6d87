/**
 * The stored shape of grants (https://docs.aws.amazon.com/kms/latest/developerguide/grants.html).
 * A grant never changes once created: it is created, then retired or revoked (deleted, leaving a
 * tombstone so that its grant tokens stop working). Dates are epoch milliseconds.
 */
import type { EncryptionContext } from '../core/encryption-context.js';
import type { GrantOperationName } from '../model/names.js';

/** The grant operations of AWS's model (its GrantOperation enum, shared/model/names.ts). */
export type GrantOperation = GrantOperationName;

/** AWS's GrantConstraints structure, stored and returned as given. */
export interface GrantConstraints {
  EncryptionContextSubset?: EncryptionContext;
  EncryptionContextEquals?: EncryptionContext;
  SourceArn?: string;
}

export interface GrantRecord {
  /** 64 lowercase hex characters. */
  grantId: string;
  keyId: string;
  keyArn: string;
  /** The key's region and account (the grant lives with its key: one writer region). */
  region: string;
  keyAccount: string;
  /** The account of the principal that created the grant (ListGrants IssuingAccount). */
  issuingAccount: string;
  name?: string;
  creationDate: number;
  /** Exactly one of granteePrincipal / granteeServicePrincipal is set. */
  granteePrincipal?: string;
  granteeServicePrincipal?: string;
  retiringPrincipal?: string;
  retiringServicePrincipal?: string;
  /** Without duplicates, in the order the request gave them. */
  operations: GrantOperation[];
  constraints?: GrantConstraints;
  /**
   * Set when the grant was created with a Name: a digest of the name and every other parameter, so that
   * a retried CreateGrant with the same name and identical parameters finds this grant.
   */
  nameKey?: string;
}

export type GrantRemoval = 'Retired' | 'Revoked';

/** Left behind by RetireGrant / RevokeGrant so a grant token of a removed grant is refused. */
export interface GrantTombstone {
  grantId: string;
  keyId: string;
  removal: GrantRemoval;
  removedAt: number;
}

/** What CreateGrant's store write found. */
export type CreateGrantOutcome =
  | { kind: 'created' }
  /** A grant with the same name and identical parameters exists already (idempotent retry). */
  | { kind: 'exists'; grantId: string }
  /** The key already has the maximum number of grants. */
  | { kind: 'limit' };
