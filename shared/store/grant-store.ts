/**
 * The grant store port (conventions: ports and adapters). One instance serves one region; grants live
 * beside their key, so every grant of a key is written by the key's region only.
 * DynamoDB adapter: shared/store/dynamo-grant-store.ts; short-TTL cache: shared/grants/cached-grant-store.ts.
 */
import type { Page } from './ports.js';
import type { CreateGrantOutcome, GrantRecord, GrantRemoval, GrantTombstone } from '../grants/types.js';

export interface GrantStore {
  /**
   * Creates the grant unless its key already has `maxGrantsPerKey` grants, or (for a named grant) a grant
   * with the same name and identical parameters exists. All conditional, in one transaction.
   */
  createGrant(grant: GrantRecord, maxGrantsPerKey: number): Promise<CreateGrantOutcome>;
  /** A strongly consistent read of one grant. */
  getGrant(keyId: string, grantId: string): Promise<GrantRecord | undefined>;
  /** The tombstone of a retired or revoked grant (strongly consistent, never cached). */
  getTombstone(keyId: string, grantId: string): Promise<GrantTombstone | undefined>;
  /** Grants of a key in grant-id order; `after` is the grant id the previous page ended with. */
  listGrants(keyId: string, limit: number, after?: string): Promise<Page<GrantRecord>>;
  /** Grants of a key whose grantee is exactly `grantee` (a principal ARN or a service principal). */
  listGrantsOfGrantee(keyId: string, grantee: { principal?: string; servicePrincipal?: string }, limit: number, after?: string): Promise<Page<GrantRecord>>;
  /**
   * Grants in this region (on keys of any account) whose retiring principal is exactly `retiring`.
   * `after` is the opaque position the previous page ended with.
   */
  listRetirableGrants(retiring: { principal?: string; servicePrincipal?: string }, limit: number, after?: string): Promise<Page<GrantRecord>>;
  /**
   * Every grant of a key whose grantee has one of the given match keys (see rules.ts, granteeMatchKey):
   * the hot path of authorization, cached by the caching adapter.
   */
  grantsForMatchKeys(keyId: string, matchKeys: readonly string[]): Promise<GrantRecord[]>;
  /** Deletes the grant and leaves a tombstone; ConditionFailedError if the grant is gone already. */
  deleteGrant(grant: GrantRecord, removal: GrantRemoval, at: number): Promise<void>;
}

