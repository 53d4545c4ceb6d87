/**
 * The local stand-in for the EventBridge schedules: every interval, each job runs once in every region
 * that has a table, as of the real clock. A tick that is still running when the next one is due makes
 * that one skip (the jobs are safe to overlap, but there is no point).
 */
import type { JobContext } from '../../shared/jobs/context.js';
import { jobNames } from '../../shared/jobs/index.js';
import { runJobs } from '../../shared/jobs/run.js';
import type { Services } from '../../shared/services.js';

export function startScheduler(options: {
  services: Pick<Services, 'jobContext'>;
  regions: () => string[];
  /** Regions taken down run no jobs (as in an outage). */
  isDown?: (region: string) => boolean;
  intervalMs: number;
  log: JobContext['log'];
}): { stop(): Promise<void> } {
  if (options.intervalMs <= 0) return { stop: async () => {} };
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    const regions = options.regions().filter((region) => !options.isDown?.(region));
    running = runJobs(options.services, jobNames, regions, new Date(), options.log).finally(() => (running = undefined));
  }, options.intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
