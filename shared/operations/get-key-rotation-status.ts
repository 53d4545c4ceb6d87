/** GetKeyRotationStatus: https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html */
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from '../keys/resolve-key.js';

export async function getKeyRotationStatus(input: { KeyId: string }, ctx: OperationContext) {
  const key = await resolveKey(ctx, input.KeyId, 'GetKeyRotationStatus', { allowAlias: false });
  // Keys that cannot rotate (asymmetric, HMAC, imported material) are answered, not refused: "the key
  // rotation status of these KMS keys is always false" (API reference). Only turning rotation on is refused.
  // A key pending deletion reports false; its setting comes back if the deletion is cancelled.
  const enabled = key.rotationEnabled === true && key.keyState !== 'PendingDeletion' && key.keyState !== 'PendingReplicaDeletion';
  return {
    KeyRotationEnabled: enabled,
    KeyId: key.arn,
    RotationPeriodInDays: enabled ? key.rotationPeriodInDays : undefined,
    NextRotationDate: enabled && key.nextRotationDate !== undefined ? new Date(key.nextRotationDate) : undefined,
    // On-demand rotations complete within the request here, so none is ever reported as in progress.
  };
}
