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
import { deliverOutbox } from '../store/outbox.js';
import { commitRotation } from '../keys/rotate-key.js';

const PAGE = 100;

export async function rotationJob(ctx: JobContext): Promise<JobReport> {
  const report: JobReport = { job: 'rotation', region: ctx.region, now: ctx.now.toISOString(), due: 0, done: 0, skipped: 0, delivered: 0, failures: [] };
  let after: string | undefined;
  do {
    const page = await ctx.jobStore.dueKeys('rotation', ctx.now.getTime(), PAGE, after);
    after = page.next;
    report.due += page.items.length;
    for (const { keyId } of page.items) {
      try {
        (await rotateIfDue(ctx, keyId)) ? report.done++ : report.skipped++;
      } catch (error) {
        // One bad key must not stop the others (conventions: jobs collect failures and carry on).
        report.failures.push({ keyId, error: error instanceof Error ? error.message : String(error) });
        ctx.log('ERROR', 'rotation failed', { keyId, error: error instanceof Error ? error.stack : String(error) });
      }
    }
  } while (after);
  // Delivers this run's entries and whatever an earlier run committed but could not deliver.
  report.delivered = await deliverOutbox(ctx.jobStore, ctx.sinks);
  return report;
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
