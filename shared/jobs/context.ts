/** What a scheduled job receives: one region's stores, the instant it runs "as of", and the sinks. */
import type { MaterialVault } from '../core/material-vault.js';
import type { GrantStore } from '../store/grant-store.js';
import type { KeyStore, PeerKeys } from '../store/ports.js';
import type { Sinks } from '../core/sinks.js';
import type { Random } from '../core/environment.js';
import type { JobStore } from '../store/job-store.js';

export type JobName = 'rotation' | 'deletion' | 'expiry';

export interface JobContext {
  region: string;
  /** The instant the job acts as of: the real clock, or `--now` (npm run job). */
  now: Date;
  store: KeyStore;
  jobStore: JobStore;
  grants: GrantStore;
  vault: MaterialVault;
  random: Random;
  sinks: Sinks;
  /** EventBridge source of the events (aws.kms locally; deployments set their own). */
  eventSource: string;
  /** Other regions' keys as this region's table holds them (multi-region keys). */
  peers: PeerKeys;
  log(level: 'INFO' | 'WARN' | 'ERROR', message: string, fields?: Record<string, unknown>): void;
}

export interface JobFailure {
  keyId: string;
  error: string;
}

/** What one run did (logged, returned by `npm run job`, and read by the jobs bench). */
export interface JobReport {
  job: JobName;
  region: string;
  now: string;
  /** Index entries the run found due. */
  due: number;
  /** Keys it changed (rotated, deleted, expired). */
  done: number;
  /** Due entries that needed nothing after a fresh read (another run did it, or the key changed). */
  skipped: number;
  /** Outbox entries (events, audit records, notifications) delivered. */
  delivered: number;
  /** Other work the job did (warnings sent, cleanups finished, alarms raised), by name. */
  extra?: Record<string, number>;
  failures: JobFailure[];
}

export type Job = (ctx: JobContext) => Promise<JobReport>;

/** What running the jobs needs of the process's services (shared/services.ts provides it). */
export interface JobServices {
  jobContext(region: string, now: Date, log?: JobContext['log']): JobContext;
}
