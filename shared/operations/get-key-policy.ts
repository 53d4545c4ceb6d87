/** GetKeyPolicy: https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html */
import type { OperationContext } from '../context/operation-context.js';
import { checkPolicyName } from './list-key-policies.js';
import { resolveKey } from '../keys/resolve-key.js';

export async function getKeyPolicy(input: { KeyId: string; PolicyName?: string }, ctx: OperationContext) {
  const key = await resolveKey(ctx, input.KeyId, 'GetKeyPolicy', { allowAlias: false });
  checkPolicyName(input.PolicyName);
  return { Policy: key.policy, PolicyName: 'default' };
}
