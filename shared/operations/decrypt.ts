/** Decrypt: https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html */
import type { EncryptionContext } from '../core/encryption-context.js';
import { isAsymmetricAlgorithm, openAsymmetric } from '../keys/asymmetric-crypto.js';
import type { OperationContext } from '../context/operation-context.js';
import { dryRunSucceeded, open, refuseRecipient, requireCiphertext, SYMMETRIC_DEFAULT } from '../keys/symmetric-crypto.js';

export interface DecryptRequest {
  CiphertextBlob?: Buffer;
  EncryptionContext?: EncryptionContext;
  GrantTokens?: string[];
  KeyId?: string;
  EncryptionAlgorithm?: string;
  Recipient?: unknown;
  DryRun?: boolean;
  DryRunModifiers?: string[];
}

export async function decrypt(input: DecryptRequest, ctx: OperationContext) {
  refuseRecipient(input, 'Decrypt');
  const request = {
    blob: requireCiphertext(input),
    context: input.EncryptionContext,
    expectedKeyId: input.KeyId,
    algorithm: input.EncryptionAlgorithm,
    operation: 'Decrypt',
    grantTokens: input.GrantTokens,
  } as const;
  // An RSAES_OAEP_* algorithm means raw RSA ciphertext (no header); anything else is a symmetric blob.
  if (isAsymmetricAlgorithm(input.EncryptionAlgorithm)) {
    const opened = await openAsymmetric(ctx, { ...request, algorithm: input.EncryptionAlgorithm });
    if (input.DryRun) dryRunSucceeded();
    // KeyMaterialId is for symmetric keys only (KMS-REFERENCE §1).
    return { KeyId: opened.key.arn, Plaintext: opened.plaintext, EncryptionAlgorithm: opened.algorithm };
  }
  const opened = await open(ctx, request);
  if (input.DryRun) dryRunSucceeded();
  return {
    KeyId: opened.key.arn,
    Plaintext: opened.plaintext,
    EncryptionAlgorithm: SYMMETRIC_DEFAULT,
    KeyMaterialId: opened.keyMaterialId,
  };
}
