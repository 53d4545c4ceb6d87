/**
 * The seam between the authorizer (shared/authz) and grants (shared/grants): when a key policy neither
 * allows nor denies, the authorizer asks whether a grant allows the request.
 */
import type { EncryptionContext } from '../core/encryption-context.js';
import type { KeyRecord } from '../core/types.js';
import type { Caller } from '../core/caller.js';
import type { Clock } from '../core/environment.js';
import type { GrantTokenClaims, GrantTokenSigner } from './grant-token.js';
import type { GrantOperation, GrantRecord, GrantTombstone } from './types.js';

/** What grant checks read of the grant store (shared/store/grant-store.ts has it all). */
export interface GrantReader {
  grantsForMatchKeys(keyId: string, matchKeys: readonly string[]): Promise<GrantRecord[]>;
  getTombstone(keyId: string, grantId: string): Promise<GrantTombstone | undefined>;
}

/** What grant checks need of a request's context (the operation context has it all). */
export interface GrantContext {
  caller: Caller;
  grants: GrantReader;
  grantTokens: GrantTokenSigner;
  clock: Clock;
}

export interface GrantCheck {
  key: KeyRecord;
  operation: GrantOperation;
  /** The request's encryption context, for EncryptionContextEquals / EncryptionContextSubset constraints. */
  encryptionContext?: EncryptionContext;
  /**
   * The request's GrantTokens, already verified (the authorizer checks them once for every request): a
   * valid token lets its grant be used before the grant is readable.
   */
  grantTokens?: GrantTokenClaims[];
}

/** Implemented in shared/grants/grant-check.ts. */
export type GrantAllows = (ctx: GrantContext, check: GrantCheck) => Promise<boolean>;
