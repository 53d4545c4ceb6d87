/**
 * Runs the service's scheduled jobs "as of" an instant, the way `npm run job -- <name> --now <ISO>` does:
 * through the local runtime's admin route, authorised by the token in the data directory. Tests that run
 * jobs use a region of their own, since a job acts on every due key of its region.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../shared/config.js';
import type { JobReport } from '../../shared/jobs/context.js';
import { endpoint } from './helpers.js';

export type JobName = 'rotation' | 'deletion' | 'expiry';

export function dataDir(): string {
  const dir = process.env.KMS_DATA_DIR;
  if (!dir) throw new Error('KMS_DATA_DIR is not set (tests/run.ts sets it)');
  return dir;
}

export async function runJob(job: JobName, options: { now?: Date; region: string }): Promise<JobReport> {
  const token = readFileSync(join(dataDir(), 'admin-token'), 'utf8').trim();
  const response = await fetch(`${endpoint()}/!admin/jobs/${job}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-kms-admin-token': token },
    body: JSON.stringify({ now: options.now?.toISOString(), region: options.region }),
  });
  const body = (await response.json()) as { reports?: JobReport[]; message?: string };
  if (response.status !== 200 || !body.reports) throw new Error(`job ${job} failed: ${response.status} ${body.message ?? ''}`);
  return body.reports[0]!;
}

/** Lines of a JSON-lines file in the data directory (events.jsonl, notifications.jsonl), parsed. */
export function readJsonLines<T = Record<string, any>>(name: string): T[] {
  let text = '';
  try {
    text = readFileSync(join(dataDir(), name), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as T);
}

export const DAY_MS = 86_400_000;
export const daysFrom = (date: Date | number, days: number) => new Date(new Date(date).getTime() + days * DAY_MS);

/** The running service's configuration (its table, root key and data directory), for services built in a test's own process. */
export function serviceConfig(cacheTtlMs: number): Config {
  return loadConfig({
    KMS_TABLE_NAME: process.env.KMS_TABLE_NAME,
    KMS_DYNAMODB_ENDPOINT: process.env.KMS_DYNAMODB_ENDPOINT,
    KMS_ROOT_KEY_FILE: join(dataDir(), 'root-key'),
    KMS_DATA_DIR: dataDir(),
    KMS_CACHE_TTL_MS: String(cacheTtlMs),
  });
}
