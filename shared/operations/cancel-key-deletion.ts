/** CancelKeyDeletion: https://docs.aws.amazon.com/kms/latest/APIReference/API_CancelKeyDeletion.html */
import { cancelDeletion } from '../core/key-state.js';
import type { OperationContext } from '../context/operation-context.js';
import { updateKey } from '../keys/update-key.js';

export async function cancelKeyDeletion(input: { KeyId: string }, ctx: OperationContext) {
  const key = await updateKey(ctx, input.KeyId, 'CancelKeyDeletion', cancelDeletion);
  // The key is safe again: forget its refused uses, but only once an alarm reported them all (the
  // deletion job reports any left and then forgets them). Best effort: the cancel itself is done.
  await ctx.jobStore.clearPendingDeletionUse(key.keyId, { onlyIfReported: true }).catch(() => false);
  return { KeyId: key.arn };
}
