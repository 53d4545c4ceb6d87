/** DisableKey: https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKey.html */
import { disable } from '../core/key-state.js';
import type { OperationContext } from '../context/operation-context.js';
import { updateKey } from '../keys/update-key.js';

export async function disableKey(input: { KeyId: string }, ctx: OperationContext): Promise<void> {
  await updateKey(ctx, input.KeyId, 'DisableKey', disable);
}
