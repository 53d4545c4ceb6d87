/** Encrypt: https://docs.aws.amazon.com/kms/latest/APIReference/API_Encrypt.html */
import type { EncryptionContext } from '../core/encryption-context.js';
import type { OperationContext } from './context.js';
import { resolveKey } from './resolve-key.js';
import { checkEncryptionKey, dryRunSucceeded, seal, SYMMETRIC_DEFAULT } from './symmetric-crypto.js';

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
  checkEncryptionKey(key, 'Encrypt', input.EncryptionAlgorithm);
  if (input.DryRun) dryRunSucceeded();
  const { blob } = await seal(ctx, key, input.Plaintext, input.EncryptionContext);
  return { CiphertextBlob: blob, KeyId: key.arn, EncryptionAlgorithm: SYMMETRIC_DEFAULT };
}
