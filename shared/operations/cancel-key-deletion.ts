/** CancelKeyDeletion: https://docs.aws.amazon.com/kms/latest/APIReference/API_CancelKeyDeletion.html */
import { cancelDeletion } from '../core/key-state.js';
import type { OperationContext } from './context.js';
import { updateKey } from './update-key.js';

export async function cancelKeyDeletion(input: { KeyId: string }, ctx: OperationContext) {
  const key = await updateKey(ctx, input.KeyId, 'CancelKeyDeletion', cancelDeletion);
  return { KeyId: key.arn };
}
