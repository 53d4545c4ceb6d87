/** ReEncrypt: https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html */
import type { EncryptionContext } from '../core/encryption-context.js';
import type { OperationContext } from './context.js';
import { resolveKey } from './resolve-key.js';
import { checkEncryptionKey, dryRunSucceeded, open, requireCiphertext, seal, SYMMETRIC_DEFAULT } from './symmetric-crypto.js';

export interface ReEncryptRequest {
  CiphertextBlob?: Buffer;
  SourceEncryptionContext?: EncryptionContext;
  SourceKeyId?: string;
  DestinationKeyId: string;
  DestinationEncryptionContext?: EncryptionContext;
  SourceEncryptionAlgorithm?: string;
  DestinationEncryptionAlgorithm?: string;
  GrantTokens?: string[];
  DryRun?: boolean;
  DryRunModifiers?: string[];
}

export async function reEncrypt(input: ReEncryptRequest, ctx: OperationContext) {
  const destination = await resolveKey(ctx, input.DestinationKeyId, 'ReEncrypt', { allowAlias: true });
  checkEncryptionKey(destination, 'ReEncrypt', input.DestinationEncryptionAlgorithm);
  const source = await open(ctx, {
    blob: requireCiphertext(input),
    context: input.SourceEncryptionContext,
    expectedKeyId: input.SourceKeyId,
    algorithm: input.SourceEncryptionAlgorithm,
    operation: 'ReEncrypt',
  });
  if (input.DryRun) dryRunSucceeded();
  const sealed = await seal(ctx, destination, source.plaintext, input.DestinationEncryptionContext);
  return {
    CiphertextBlob: sealed.blob,
    SourceKeyId: source.key.arn,
    KeyId: destination.arn,
    SourceEncryptionAlgorithm: SYMMETRIC_DEFAULT,
    DestinationEncryptionAlgorithm: SYMMETRIC_DEFAULT,
    SourceKeyMaterialId: source.keyMaterialId,
    DestinationKeyMaterialId: sealed.keyMaterialId,
  };
}
