/** ScheduleKeyDeletion: https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html */
import { scheduleDeletion, scheduleReplicaDeletion } from '../core/key-state.js';
import { isPrimary } from '../core/multi-region.js';
import { ValidationException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { replicasOf } from '../keys/multi-region.js';
import { findKey } from '../keys/resolve-key.js';
import { updateKey } from '../keys/update-key.js';

export interface ScheduleKeyDeletionRequest {
  KeyId: string;
  PendingWindowInDays?: number;
}

/** The model allows 1-365; the service takes 7-30 days, 30 by default. */
const MIN_DAYS = 7;
const MAX_DAYS = 30;

export async function scheduleKeyDeletion(input: ScheduleKeyDeletionRequest, ctx: OperationContext) {
  const days = input.PendingWindowInDays ?? MAX_DAYS;
  if (days < MIN_DAYS || days > MAX_DAYS) {
    const rule = days < MIN_DAYS ? `greater than or equal to ${MIN_DAYS}` : `less than or equal to ${MAX_DAYS}`;
    throw new ValidationException(
      `1 validation error detected: Value '${days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value ${rule}`,
    );
  }
  // A multi-region primary with replicas waits for them (PendingReplicaDeletion; the deletion job starts its
  // window once they are gone). Looked up first: the state change itself is a pure function of the key.
  const named = await findKey(ctx, input.KeyId, { allowAlias: false }).catch(() => undefined);
  const waitsForReplicas = named !== undefined && isPrimary(named) && (await replicasOf(ctx.peers, named)).length > 0;
  const now = ctx.clock.now();
  const key = await updateKey(
    ctx,
    input.KeyId,
    'ScheduleKeyDeletion',
    (k) => (waitsForReplicas && isPrimary(k) ? scheduleReplicaDeletion(k, days, now) : scheduleDeletion(k, days, now)),
    { extra: { 'kms:schedulekeydeletionpendingwindowindays': days } },
  );
  return {
    KeyId: key.arn,
    // No date while the replicas are still there (KMS-REFERENCE §7).
    DeletionDate: key.keyState === 'PendingDeletion' ? new Date(key.deletionDate!) : undefined,
    KeyState: key.keyState,
    PendingWindowInDays: days,
  };
}
