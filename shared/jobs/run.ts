/**
 * Runs jobs for regions, one after another, the way every trigger does (Lambda schedule, local timer,
 * `npm run job`). A job that throws is reported as a failure of that run; the others still run.
 */
import type { JobServices } from './context.js';
import type { JobContext, JobName, JobReport } from './context.js';
import { jobs } from './index.js';

export async function runJobs(
  services: Pick<JobServices, 'jobContext'>,
  names: readonly JobName[],
  regions: readonly string[],
  now: Date,
  log: JobContext['log'] = () => {},
): Promise<JobReport[]> {
  const reports: JobReport[] = [];
  for (const region of regions) {
    for (const job of names) {
      try {
        const report = await jobs[job](services.jobContext(region, now, log));
        log(report.failures.length > 0 ? 'WARN' : 'INFO', `job ${job} done`, { ...report });
        reports.push(report);
      } catch (error) {
        log('ERROR', `job ${job} failed`, { region, error: error instanceof Error ? error.stack : String(error) });
        reports.push({
          job,
          region,
          now: now.toISOString(),
          due: 0,
          done: 0,
          skipped: 0,
          delivered: 0,
          failures: [{ keyId: '*', error: error instanceof Error ? error.message : String(error) }],
        });
      }
    }
  }
  return reports;
}
