/**
 * RotateKeyOnDemand: https://docs.aws.amazon.com/kms/latest/APIReference/API_RotateKeyOnDemand.html
 * AWS rotates in the background; here the rotation is committed before the response, so it is complete
 * (GetKeyRotationStatus never shows OnDemandRotationStartDate) and the next Encrypt uses the new material.
 */
import { AUTOMATIC_ROTATION_CONFLICT_MS, ON_DEMAND_ROTATION_LIMIT } from '../core/rotation.js';
import type { KeyRecord } from '../core/types.js';
import { deliverNow } from '../jobs/outbox.js';
import { commitRotation } from '../jobs/rotate-key.js';
import { retryOnConflict } from '../keys/conflict-retry.js';
import { ConflictException, KMSInvalidStateException, LimitExceededException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';
import { resolveKey } from './resolve-key.js';
import { requirePrimaryForRotation, requireRotatableKey } from './rotation-rules.js';

export async function rotateKeyOnDemand(input: { KeyId: string }, ctx: OperationContext) {
  // A lost race (another rotation, any change of the key) checks again on what is stored now: the
  // rotations serialize, and the ones past the limit get LimitExceededException.
  const { key, outbox } = await retryOnConflict(async () => {
    const key = await resolveKey(ctx, input.KeyId, 'RotateKeyOnDemand', { allowAlias: false });
    checkOnDemandRotation(key, ctx.clock.now());
    return commitRotation(ctx, key, 'ON_DEMAND', ctx.clock.now());
  });
  // The event and audit record are committed with the rotation; sending them now is a courtesy.
  await deliverNow(ctx.jobStore, ctx.sinks, outbox).catch(() => {});
  return { KeyId: key.arn };
}

/** AWS's refusals, in the order the reference gives them (KMS-REFERENCE §8). */
export function checkOnDemandRotation(key: KeyRecord, now: Date): void {
  if (key.origin === 'EXTERNAL') {
    // Imported keys rotate only to imported material pending rotation, which this service does not hold.
    throw new KMSInvalidStateException(`No available key material pending rotation for the key: ${key.arn}.`);
  }
  requireRotatableKey(key);
  requirePrimaryForRotation(key);
  if ((key.onDemandRotationCount ?? 0) >= ON_DEMAND_ROTATION_LIMIT) {
    throw new LimitExceededException(
      `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${key.arn}`,
    );
  }
  if (key.rotationEnabled && key.nextRotationDate !== undefined && key.nextRotationDate - now.getTime() <= AUTOMATIC_ROTATION_CONFLICT_MS) {
    throw new ConflictException(`An automatic rotation of ${key.arn} is in progress or due within 20 minutes. Try again later.`);
  }
}
