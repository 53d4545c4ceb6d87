/** ScheduleKeyDeletion: https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html */
import { scheduleDeletion } from '../core/key-state.js';
import { ValidationException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';
import { updateKey } from './update-key.js';

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
  const key = await updateKey(ctx, input.KeyId, 'ScheduleKeyDeletion', (k) => scheduleDeletion(k, days, ctx.clock.now()), {
    extra: { 'kms:schedulekeydeletionpendingwindowindays': days },
  });
  return {
    KeyId: key.arn,
    DeletionDate: new Date(key.deletionDate!),
    KeyState: key.keyState,
    PendingWindowInDays: days,
  };
}
