/** The rotation job (being built). */
import type { JobContext, JobReport } from './context.js';

export async function rotationJob(ctx: JobContext): Promise<JobReport> {
  return { job: 'rotation', region: ctx.region, now: ctx.now.toISOString(), due: 0, done: 0, skipped: 0, delivered: 0, failures: [] };
}
