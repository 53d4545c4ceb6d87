/** EnableKey: https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKey.html */
import { enable } from '../core/key-state.js';
import type { OperationContext } from '../context/operation-context.js';
import { updateKey } from '../keys/update-key.js';

export async function enableKey(input: { KeyId: string }, ctx: OperationContext): Promise<void> {
  await updateKey(ctx, input.KeyId, 'EnableKey', enable);
}
