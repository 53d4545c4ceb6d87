/** Encrypt: https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html */
import type { EncryptionContext } from '../core/encryption-context.js';
import { checkRsaPlaintext, sealAsymmetric } from '../keys/asymmetric-crypto.js';
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from '../keys/resolve-key.js';
import { checkEncryptionKey, dryRunSucceeded, seal, SYMMETRIC_DEFAULT } from '../keys/symmetric-crypto.js';

export interface EncryptRequest {
  KeyId: string;
  Plaintext: Buffer;
  EncryptionContext?: EncryptionContext;
  GrantTokens?: string[];
  EncryptionAlgorithm?: string;
  DryRun?: boolean;
}

export async function encrypt(input: EncryptRequest, ctx: OperationContext) {
  const key = await resolveKey(ctx, input.KeyId, 'Encrypt', {
    allowAlias: true,
    conditions: {
      encryptionContext: input.EncryptionContext,
      encryptionAlgorithm: input.EncryptionAlgorithm ?? SYMMETRIC_DEFAULT,
      grantTokens: input.GrantTokens,
    },
  });
  const algorithm = checkEncryptionKey(key, 'Encrypt', input.EncryptionAlgorithm, input.EncryptionContext);
  if (algorithm === SYMMETRIC_DEFAULT) {
    if (input.DryRun) dryRunSucceeded();
    const { blob } = await seal(ctx, key, input.Plaintext, input.EncryptionContext);
    return { CiphertextBlob: blob, KeyId: key.arn, EncryptionAlgorithm: SYMMETRIC_DEFAULT };
  }
  // RSA ENCRYPT_DECRYPT key: AWS's per-size plaintext limit is a validation error, so DryRun reports it too.
  checkRsaPlaintext(key, algorithm, input.Plaintext);
  if (input.DryRun) dryRunSucceeded();
  const blob = await sealAsymmetric(ctx, key, algorithm, input.Plaintext);
  return { CiphertextBlob: blob, KeyId: key.arn, EncryptionAlgorithm: algorithm };
}
