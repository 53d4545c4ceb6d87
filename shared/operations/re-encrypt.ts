/** ReEncrypt: https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html */
import type { EncryptionContext } from '../core/encryption-context.js';
import { ValidationException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';
import { resolveKey } from './resolve-key.js';
import { checkEncryptionKey, dryRunSucceeded, open, seal, SYMMETRIC_DEFAULT } from './symmetric-crypto.js';

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
  if (!input.CiphertextBlob) {
    if (input.DryRun && input.DryRunModifiers?.includes('IGNORE_CIPHERTEXT')) dryRunSucceeded();
    throw new ValidationException(
      "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null",
    );
  }
  const source = await open(ctx, {
    blob: input.CiphertextBlob,
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
