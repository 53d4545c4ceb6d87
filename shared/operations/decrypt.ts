/** Decrypt: https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html */
import type { EncryptionContext } from '../core/encryption-context.js';
import type { OperationContext } from './context.js';
import { dryRunSucceeded, open, requireCiphertext, SYMMETRIC_DEFAULT } from './symmetric-crypto.js';

export interface DecryptRequest {
  CiphertextBlob?: Buffer;
  EncryptionContext?: EncryptionContext;
  GrantTokens?: string[];
  KeyId?: string;
  EncryptionAlgorithm?: string;
  DryRun?: boolean;
  DryRunModifiers?: string[];
}

export async function decrypt(input: DecryptRequest, ctx: OperationContext) {
  const opened = await open(ctx, {
    blob: requireCiphertext(input),
    context: input.EncryptionContext,
    expectedKeyId: input.KeyId,
    algorithm: input.EncryptionAlgorithm,
    operation: 'Decrypt',
    grantTokens: input.GrantTokens,
  });
  if (input.DryRun) dryRunSucceeded();
  return {
    KeyId: opened.key.arn,
    Plaintext: opened.plaintext,
    EncryptionAlgorithm: SYMMETRIC_DEFAULT,
    KeyMaterialId: opened.keyMaterialId,
  };
}
