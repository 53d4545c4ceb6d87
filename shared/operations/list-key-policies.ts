/** ListKeyPolicies: https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyPolicies.html */
import { NotFoundException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from '../keys/resolve-key.js';

/** A key has exactly one policy, named "default"; any other name does not exist. */
export function checkPolicyName(name: string | undefined): void {
  if (name !== undefined && name !== 'default') throw new NotFoundException('No such policy exists');
}

export async function listKeyPolicies(input: { KeyId: string; Limit?: number; Marker?: string }, ctx: OperationContext) {
  await resolveKey(ctx, input.KeyId, 'ListKeyPolicies', { allowAlias: false });
  return { PolicyNames: ['default'], Truncated: false };
}
