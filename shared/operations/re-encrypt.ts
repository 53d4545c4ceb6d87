/** ReEncrypt: https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html */
import type { EncryptionContext } from '../core/encryption-context.js';
import type { OperationContext } from './context.js';
import { findKey, resolveKey } from './resolve-key.js';
import { parseCiphertext } from '../core/ciphertext.js';
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
  // kms:ReEncryptOnSameKey compares the key the ciphertext names with the destination key.
  const destinationKeyId = (await findKey(ctx, input.DestinationKeyId, { allowAlias: true })).keyId;
  const sourceKeyId = input.CiphertextBlob && sourceKeyIdOf(input.CiphertextBlob);
  const sameKey = sourceKeyId ? sourceKeyId === destinationKeyId : undefined;
  const destination = await resolveKey(ctx, input.DestinationKeyId, 'ReEncrypt', {
    allowAlias: true,
    action: 'kms:ReEncryptTo',
    conditions: {
      encryptionContext: input.DestinationEncryptionContext,
      encryptionAlgorithm: input.DestinationEncryptionAlgorithm ?? SYMMETRIC_DEFAULT,
      grantTokens: input.GrantTokens,
      extra: { 'kms:reencryptonsamekey': sameKey },
    },
  });
  checkEncryptionKey(destination, 'ReEncrypt', input.DestinationEncryptionAlgorithm);
  const source = await open(ctx, {
    blob: requireCiphertext(input),
    context: input.SourceEncryptionContext,
    expectedKeyId: input.SourceKeyId,
    algorithm: input.SourceEncryptionAlgorithm,
    operation: 'ReEncrypt',
    grantTokens: input.GrantTokens,
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

/** The key a blob's header names, if it parses at all (open() reports a bad blob properly later). */
function sourceKeyIdOf(blob: Buffer): string | undefined {
  try {
    return parseCiphertext(blob).keyId;
  } catch {
    return undefined;
  }
}
