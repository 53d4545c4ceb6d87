/** DescribeKey: https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html */
import { keyMetadata } from '../core/key-metadata.js';
import type { OperationContext } from '../context/operation-context.js';
import { multiRegionConfiguration } from '../keys/multi-region.js';
import { resolveKey } from '../keys/resolve-key.js';

export interface DescribeKeyRequest {
  KeyId: string;
  GrantTokens?: string[];
}

export async function describeKey(input: DescribeKeyRequest, ctx: OperationContext) {
  const key = await resolveKey(ctx, input.KeyId, 'DescribeKey', { allowAlias: true, conditions: { grantTokens: input.GrantTokens } });
  return { KeyMetadata: keyMetadata(key, await multiRegionConfiguration(ctx.peers, key)) };
}
