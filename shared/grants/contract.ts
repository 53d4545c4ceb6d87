/**
 * The seam between the authorizer (shared/authz) and grants (shared/grants): when a key policy neither
 * allows nor denies, the authorizer asks whether a grant allows the request.
 */
import type { EncryptionContext } from '../core/encryption-context.js';
import type { KeyRecord } from '../core/types.js';
import type { OperationContext } from '../operations/context.js';
import type { GrantTokenClaims } from './grant-token.js';

/** The 17 grant operations of AWS's model (GrantOperation enum). */
export type GrantOperation =
  | 'Decrypt'
  | 'Encrypt'
  | 'GenerateDataKey'
  | 'GenerateDataKeyWithoutPlaintext'
  | 'ReEncryptFrom'
  | 'ReEncryptTo'
  | 'Sign'
  | 'Verify'
  | 'GetPublicKey'
  | 'CreateGrant'
  | 'RetireGrant'
  | 'DescribeKey'
  | 'GenerateDataKeyPair'
  | 'GenerateDataKeyPairWithoutPlaintext'
  | 'GenerateMac'
  | 'VerifyMac'
  | 'DeriveSharedSecret';

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
export type GrantAllows = (ctx: OperationContext, check: GrantCheck) => Promise<boolean>;
