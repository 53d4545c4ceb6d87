/** The scheduled jobs by name (`npm run job -- <name>`, the Lambda schedules, the local scheduler). */
import type { Job, JobName } from './context.js';
import { deletionJob } from './deletion-job.js';
import { expiryJob } from './expiry-job.js';
import { rotationJob } from './rotation-job.js';

export const jobs: Readonly<Record<JobName, Job>> = {
  rotation: rotationJob,
  deletion: deletionJob,
  expiry: expiryJob,
};

export const jobNames = Object.keys(jobs) as JobName[];

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobs, name);
}
