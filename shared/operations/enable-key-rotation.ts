/** EnableKeyRotation: https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html */
import { DEFAULT_ROTATION_PERIOD_DAYS, enableRotation } from '../core/rotation.js';
import type { OperationContext } from '../context/operation-context.js';
import { requirePrimaryForRotation, requireRotatableKey } from '../keys/rotation-rules.js';
import { updateKey } from '../keys/update-key.js';

export interface EnableKeyRotationRequest {
  KeyId: string;
  /** 90-2560 (the model's range, checked before this runs); 365 when omitted. */
  RotationPeriodInDays?: number;
}

export async function enableKeyRotation(input: EnableKeyRotationRequest, ctx: OperationContext): Promise<void> {
  const period = input.RotationPeriodInDays ?? DEFAULT_ROTATION_PERIOD_DAYS;
  await updateKey(
    ctx,
    input.KeyId,
    'EnableKeyRotation',
    (key) => {
      requireRotatableKey(key);
      requirePrimaryForRotation(key);
      return enableRotation(key, period, ctx.clock.now());
    },
    // Evaluated as 365 when the request names no period (KMS-REFERENCE §8).
    { extra: { 'kms:rotationperiodindays': period } },
  );
}
