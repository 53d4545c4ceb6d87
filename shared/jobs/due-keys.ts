/**
 * The loop every job runs (conventions: jobs are idempotent reconcilers): page through the keys a sparse
 * due index names up to `until`, hand each to `act`, and collect a key's failure in the report instead
 * of stopping (the key stays due and the next run tries it again).
 */
import type { DueJob } from '../store/due-index.js';
import { deliverOutbox } from '../store/outbox.js';
import type { JobContext, JobName, JobReport } from './context.js';

const PAGE = 100;

export async function forEachDueKey(
  ctx: JobContext,
  job: DueJob,
  until: number,
  report: JobReport,
  act: (keyId: string) => Promise<void>,
): Promise<void> {
  let after: string | undefined;
  do {
    const page = await ctx.jobStore.dueKeys(job, until, PAGE, after);
    after = page.next;
    report.due += page.items.length;
    for (const { keyId } of page.items) {
      try {
        await act(keyId);
      } catch (error) {
        report.failures.push({ keyId, error: error instanceof Error ? error.message : String(error) });
        ctx.log('ERROR', `${job} failed for a key`, { keyId, error: error instanceof Error ? error.stack : String(error) });
      }
    }
  } while (after !== undefined);
}

/** An empty report of a run of `job` in the context's region. */
export function newReport(ctx: JobContext, job: JobName): JobReport {
  return { job, region: ctx.region, now: ctx.now.toISOString(), due: 0, done: 0, skipped: 0, delivered: 0, failures: [] };
}

/**
 * A job that acts on each key due now (`act` answers whether it did anything, after its own fresh read),
 * then delivers its outbox: this run's events and records, and any an earlier run committed but could
 * not deliver.
 */
export async function keyJob(ctx: JobContext, job: JobName & DueJob, act: (keyId: string) => Promise<boolean>): Promise<JobReport> {
  const report = newReport(ctx, job);
  await forEachDueKey(ctx, job, ctx.now.getTime(), report, async (keyId) => {
    if (await act(keyId)) report.done++;
    else report.skipped++;
  });
  report.delivered = await deliverOutbox(ctx.jobStore, ctx.sinks);
  return report;
}
