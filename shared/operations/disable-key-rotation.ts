/** DisableKeyRotation: https://docs.aws.amazon.com/kms/latest/APIReference/API_DisableKeyRotation.html */
import { disableRotation } from '../core/rotation.js';
import type { OperationContext } from '../context/operation-context.js';
import { requirePrimaryForRotation, requireRotatableKey } from '../keys/rotation-rules.js';
import { updateKey } from '../keys/update-key.js';

export async function disableKeyRotation(input: { KeyId: string }, ctx: OperationContext): Promise<void> {
  await updateKey(ctx, input.KeyId, 'DisableKeyRotation', (key) => {
    requireRotatableKey(key);
    requirePrimaryForRotation(key);
    return disableRotation(key);
  });
}
