/**
 * The rotation job (ARCHITECTURE principle 6): rotates every key whose automatic rotation is due, and no
 * other. Due keys come from the sparse `rotation-due` index; each is re-read and re-checked (the index is
 * eventually consistent and another run may have been first), then rotated with one transaction
 * conditional on the revision it read. So two runs at once, or a run re-started after a crash, make
 * exactly one rotation per due date: the loser's condition fails, it re-reads, and the key is no longer due.
 */
import { isDue } from '../core/due-dates.js';
import { retryOnConflict } from '../keys/conflict-retry.js';
import type { JobContext, JobReport } from './context.js';
import { commitRotation } from '../keys/rotate-key.js';
import { keyJob } from './due-keys.js';

export function rotationJob(ctx: JobContext): Promise<JobReport> {
  return keyJob(ctx, 'rotation', (keyId) => rotateIfDue(ctx, keyId));
}

async function rotateIfDue(ctx: JobContext, keyId: string): Promise<boolean> {
  // Changed since it was read: decide again on the stored state.
  return retryOnConflict(async () => {
    const key = await ctx.store.getKey(keyId, { fresh: true });
    // Decided on the fresh read: the index may lag, and another run may have rotated it already.
    if (!key || !isDue(key, 'rotation', ctx.now.getTime())) return false;
    await commitRotation(ctx, key, 'AUTOMATIC', ctx.now);
    return true;
  });
}
