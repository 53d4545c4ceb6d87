/** GenerateMac: https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateMac.html */
import { computeMac, incompatibleMacAlgorithm, macDigest } from '../core/hmac.js';
import { InvalidKeyUsageException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { currentMaterial, requireKeyUsage } from '../keys/key-material.js';
import { resolveKey } from '../keys/resolve-key.js';
import { dryRunSucceeded } from '../keys/symmetric-crypto.js';

export interface GenerateMacRequest {
  Message: Buffer;
  KeyId: string;
  MacAlgorithm: string;
  GrantTokens?: string[];
  DryRun?: boolean;
}

/**
 * The steps GenerateMac and VerifyMac share, in AWS's order: the key (with authorization, where
 * kms:MacAlgorithm is the request's algorithm, and the key-state check), its usage, then the algorithm
 * against its spec, then DryRun. Returns the key, the digest and the key's HMAC bytes (cached: a warm
 * request does no store round-trip).
 *
 * Aliases are accepted: the API reference lists "alias name or alias ARN" for cross-account use of both
 * operations, and every other cryptographic operation takes them.
 */
export async function macKey(
  ctx: OperationContext,
  input: { KeyId: string; MacAlgorithm: string; GrantTokens?: string[]; DryRun?: boolean },
  operation: 'GenerateMac' | 'VerifyMac',
) {
  const key = await resolveKey(ctx, input.KeyId, operation, {
    allowAlias: true,
    conditions: { extra: { 'kms:macalgorithm': input.MacAlgorithm }, grantTokens: input.GrantTokens },
  });
  requireKeyUsage(key, 'GENERATE_VERIFY_MAC', operation);
  const digest = macDigest(key.keySpec, input.MacAlgorithm);
  if (!digest) throw new InvalidKeyUsageException(incompatibleMacAlgorithm(input.MacAlgorithm, key.keySpec));
  // A DryRun stops after every check that needs no key material (KMS-REFERENCE §14).
  if (input.DryRun) dryRunSucceeded();
  const { material } = await currentMaterial(ctx, key);
  return { key, digest, material };
}

export async function generateMac(input: GenerateMacRequest, ctx: OperationContext) {
  const { key, digest, material } = await macKey(ctx, input, 'GenerateMac');
  return { Mac: computeMac(digest, material, input.Message), MacAlgorithm: input.MacAlgorithm, KeyId: key.arn };
}
