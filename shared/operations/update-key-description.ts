/** UpdateKeyDescription: https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateKeyDescription.html */
import type { OperationContext } from '../context/operation-context.js';
import { updateKey } from '../keys/update-key.js';

export async function updateKeyDescription(input: { KeyId: string; Description: string }, ctx: OperationContext): Promise<void> {
  await updateKey(ctx, input.KeyId, 'UpdateKeyDescription', (key) => ({
    ...key,
    description: input.Description,
    revision: key.revision + 1,
  }));
}
