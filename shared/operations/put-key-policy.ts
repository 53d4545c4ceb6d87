/** PutKeyPolicy: https://docs.aws.amazon.com/kms/latest/APIReference/API_PutKeyPolicy.html */
import { checkNewKeyPolicy } from '../authz/key-policy.js';
import type { OperationContext } from '../context/operation-context.js';
import { checkPolicyName } from './list-key-policies.js';
import { updateKey } from '../keys/update-key.js';

export interface PutKeyPolicyRequest {
  KeyId: string;
  PolicyName?: string;
  Policy: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
}

export async function putKeyPolicy(input: PutKeyPolicyRequest, ctx: OperationContext): Promise<void> {
  checkPolicyName(input.PolicyName);
  const bypass = input.BypassPolicyLockoutSafetyCheck === true;
  await updateKey(
    ctx,
    input.KeyId,
    'PutKeyPolicy',
    (key) => {
      checkNewKeyPolicy(ctx, input.Policy, key.arn, bypass);
      return { ...key, policy: input.Policy, revision: key.revision + 1 };
    },
    { extra: { 'kms:bypasspolicylockoutsafetycheck': bypass } },
  );
}
