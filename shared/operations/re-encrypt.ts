/** ReEncrypt: https://docs.aws.amazon.com/kms/latest/APIReference/API_ReEncrypt.html */
import type { EncryptionContext } from '../core/encryption-context.js';
import type { OperationContext } from '../context/operation-context.js';
import { findKey, resolveKey } from '../keys/resolve-key.js';
import { parseCiphertext } from '../core/ciphertext.js';
import { checkRsaPlaintext, isAsymmetricAlgorithm, openAsymmetric, sealAsymmetric } from '../keys/asymmetric-crypto.js';
import { checkEncryptionKey, dryRunSucceeded, open, requireCiphertext, seal, SYMMETRIC_DEFAULT } from '../keys/symmetric-crypto.js';

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

/**
 * The source may be a symmetric blob (its header names the key) or raw RSA ciphertext (SourceKeyId and
 * SourceEncryptionAlgorithm required); the destination may be symmetric or an RSA ENCRYPT_DECRYPT key
 * (DestinationEncryptionAlgorithm required, DestinationEncryptionContext refused).
 */
export async function reEncrypt(input: ReEncryptRequest, ctx: OperationContext) {
  const asymmetricSource = isAsymmetricAlgorithm(input.SourceEncryptionAlgorithm);
  // kms:ReEncryptOnSameKey compares the source key (named by the blob, or by SourceKeyId for raw RSA
  // ciphertext) with the destination key.
  const destinationKeyId = (await findKey(ctx, input.DestinationKeyId, { allowAlias: true })).keyId;
  const sourceKeyId = asymmetricSource
    ? input.SourceKeyId && (await sourceKeyIdNamed(ctx, input.SourceKeyId))
    : input.CiphertextBlob && sourceKeyIdOf(input.CiphertextBlob);
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
  const destinationAlgorithm = checkEncryptionKey(destination, 'ReEncrypt', input.DestinationEncryptionAlgorithm, input.DestinationEncryptionContext, {
    algorithm: 'DestinationEncryptionAlgorithm',
    context: 'DestinationEncryptionContext',
  });
  const request = {
    blob: requireCiphertext(input),
    context: input.SourceEncryptionContext,
    expectedKeyId: input.SourceKeyId,
    algorithm: input.SourceEncryptionAlgorithm,
    operation: 'ReEncrypt',
    grantTokens: input.GrantTokens,
  } as const;
  const source = asymmetricSource
    ? await openAsymmetric(ctx, { ...request, algorithm: input.SourceEncryptionAlgorithm! })
    : await open(ctx, request);
  const symmetricDestination = destinationAlgorithm === SYMMETRIC_DEFAULT;
  if (!symmetricDestination) checkRsaPlaintext(destination, destinationAlgorithm, source.plaintext);
  if (input.DryRun) dryRunSucceeded();
  const sealed = symmetricDestination
    ? await seal(ctx, destination, source.plaintext, input.DestinationEncryptionContext)
    : { blob: await sealAsymmetric(ctx, destination, destinationAlgorithm, source.plaintext), keyMaterialId: undefined };
  // Key material IDs only for symmetric keys (KMS-REFERENCE §1); undefined members are left off the wire.
  return {
    CiphertextBlob: sealed.blob,
    SourceKeyId: source.key.arn,
    KeyId: destination.arn,
    SourceEncryptionAlgorithm: asymmetricSource ? input.SourceEncryptionAlgorithm : SYMMETRIC_DEFAULT,
    DestinationEncryptionAlgorithm: destinationAlgorithm,
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

/** The key SourceKeyId names, if any (openAsymmetric reports an unknown key properly later). */
async function sourceKeyIdNamed(ctx: OperationContext, value: string): Promise<string | undefined> {
  try {
    return (await findKey(ctx, value, { allowAlias: true })).keyId;
  } catch {
    return undefined;
  }
}
