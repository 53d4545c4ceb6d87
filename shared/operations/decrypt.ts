/** Decrypt: https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html */
import type { EncryptionContext } from '../core/encryption-context.js';
import { ValidationException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';
import { dryRunSucceeded, open, SYMMETRIC_DEFAULT } from './symmetric-crypto.js';

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
  if (!input.CiphertextBlob) {
    // A DryRun may skip the ciphertext with IGNORE_CIPHERTEXT; otherwise it is required.
    if (input.DryRun && input.DryRunModifiers?.includes('IGNORE_CIPHERTEXT')) dryRunSucceeded();
    throw new ValidationException(
      "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null",
    );
  }
  const opened = await open(ctx, {
    blob: input.CiphertextBlob,
    context: input.EncryptionContext,
    expectedKeyId: input.KeyId,
    algorithm: input.EncryptionAlgorithm,
    operation: 'Decrypt',
  });
  if (input.DryRun) dryRunSucceeded();
  return {
    KeyId: opened.key.arn,
    Plaintext: opened.plaintext,
    EncryptionAlgorithm: SYMMETRIC_DEFAULT,
    KeyMaterialId: opened.keyMaterialId,
  };
}
