/**
 * KMS_WORKERS: the API served by several processes on one port (node:cluster), so a laptop's every core
 * answers requests. The service's own process keeps everything that must exist once: DynamoDB Local, the
 * scheduled jobs, the replicator, region health, table creation, the operator routes and `/health`
 * (workers forward those to it). Each worker runs the real API handler against the same DynamoDB Local.
 *
 * Caches stay coherent: a write through any process is announced to every other before it is
 * acknowledged (shared/store/cache-change.ts), so a client reads its own writes whichever worker answers.
 * A worker that does not confirm in time is killed (its caches die with it) and replaced.
 */
import cluster, { type Worker } from 'node:cluster';
import type { CacheChange } from '../../shared/store/cache-change.js';
import { newestUse } from '../../shared/keys/key-usage.js';
import type { KeyUsage } from '../../shared/store/ports.js';
import { WorkerChannel } from './worker-channel.js';
import type { Env } from './settings.js';

/** What a worker needs to serve: sent at its start, the state current then. */
export interface WorkerInit {
  /** Settings beside its inherited environment (DynamoDB Local's endpoint, the root key file, the data directory). */
  env: Env;
  host: string;
  port: number;
  tls?: { cert: string; key: string; port: number };
  basePath: string;
  /** The service process's own server: workers forward `/health` and `/!admin/...` to it. */
  operator: string;
  regionsDown: string[];
  globalRegions: string[];
  /** Regions whose table exists. */
  tables: string[];
  logLevel: string;
}

/** Where the API listens: the bound address, its port, and the HTTPS port if any. */
export interface ServedPorts {
  address: string;
  family: string;
  http: number;
  https?: number;
}

export interface WorkerStats {
  cacheReads: { miss: number; refresh: number };
  dynamodbReads: number;
}

export interface WorkerPoolOptions {
  count: number;
  init: () => WorkerInit;
  /** The service process's own caches forget what a worker's write changed. */
  applyCacheChange: (change: CacheChange) => void;
  /** The newest use of a key the service process knows (its own jobs and operator calls). */
  knownKeyUsage: (region: string, keyId: string) => KeyUsage | undefined;
  /** Makes a region's table (a worker's first request in a region). */
  table: (region: string) => Promise<void>;
  /** A region joins the global table (ReplicateKey in a worker); the table's regions after. */
  join: (region: string) => Promise<readonly string[]>;
  nudgeReplicator: () => void;
  log: (level: 'INFO' | 'ERROR', message: string, fields?: Record<string, unknown>) => void;
}

export interface WorkerPool {
  /** Where the workers listen (the same port for all). */
  ports: ServedPorts;
  /** Tells every worker what a write of the service process changed; resolves once each forgot it. */
  announce(change: CacheChange): Promise<void>;
  regionsDown(regions: readonly string[]): Promise<void>;
  /** The newest use of a key that any worker but `except` knows. */
  keyUsage(region: string, keyId: string): Promise<KeyUsage | undefined>;
  stats(): Promise<WorkerStats[]>;
  stop(): Promise<void>;
}

/** A worker that takes longer than this to confirm a cache change is killed and replaced. */
const CONFIRM_MS = 5000;
const START_MS = 60_000;
const STOP_MS = 5000;
/** Replacements within a minute before the pool gives up replacing (a worker that dies at every start). */
const MAX_RESTARTS_PER_MINUTE = 5;

interface Member {
  worker: Worker;
  channel: WorkerChannel;
  /**
   * Sent its start: from then on it hears every change. (Messages arrive in order, and a worker builds its
   * caches and takes the state it was started with before it reads the next message, so none falls between.)
   */
  started: boolean;
  /** Serving. */
  ready: boolean;
}

export async function startWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  const members = new Set<Member>();
  let stopping = false;
  const restarts: number[] = [];

  const others = (except?: Member) => [...members].filter((m) => m !== except && m.started);
  /**
   * Every worker but `except` takes the news (a cache change, the regions down) before this resolves; one
   * that does not confirm in time is killed, so no worker serves from what it was not told.
   */
  const tellAll = (what: 'change' | 'down', payload: unknown, except?: Member) =>
    Promise.all(
      others(except).map((member) =>
        member.channel.call(what, payload, CONFIRM_MS).catch((error: unknown) => {
          if (!member.worker.isDead()) {
            options.log('ERROR', `an API worker did not confirm '${what}': it is replaced`, { pid: member.worker.process.pid, error: String(error) });
            member.worker.process.kill('SIGKILL');
          }
        }),
      ),
    ).then(() => {});

  /** What the workers (but `except`) know of a key's last use; one that does not answer in time counts as knowing nothing. */
  const usageOfWorkers = async (region: string, keyId: string, except?: Member) =>
    newestUse(
      await Promise.all(
        others(except).map((member) => member.channel.call<KeyUsage | undefined>('usage', { region, keyId }, CONFIRM_MS).catch(() => undefined)),
      ),
    );

  const broadcastRegions = (regions: readonly string[]) => {
    for (const member of others()) member.channel.notify('globalRegions', regions);
  };

  const spawn = async (): Promise<ServedPorts> => {
    const worker = cluster.fork();
    const member: Member = { worker, started: false, ready: false, channel: undefined as unknown as WorkerChannel };
    // A message sent before the worker listens for messages is lost: it says when it listens.
    let listening!: () => void;
    const workerListens = new Promise<void>((resolve) => (listening = resolve));
    member.channel = new WorkerChannel(
      (message, done) => {
        if (!worker.isConnected()) return done(new Error('the worker is gone'));
        worker.send(message, undefined, (error) => done(error ?? null));
      },
      {
        change: async (change: CacheChange) => {
          options.applyCacheChange(change);
          await tellAll('change', change, member);
        },
        table: (region: string) => options.table(region),
        usage: async ({ region, keyId }: { region: string; keyId: string }) =>
          newestUse([options.knownKeyUsage(region, keyId), await usageOfWorkers(region, keyId, member)]),
        join: async (region: string) => {
          const regions = await options.join(region);
          broadcastRegions(regions);
          return regions;
        },
        nudge: () => options.nudgeReplicator(),
        listening: () => listening(),
      },
    );
    worker.on('message', (message) => member.channel.receive(message));
    members.add(member);
    worker.on('exit', (code, signal) => {
      members.delete(member);
      member.channel.close('the API worker exited');
      if (stopping || !member.ready) return;
      options.log('ERROR', 'an API worker exited; starting another', { pid: worker.process.pid, code, signal });
      const now = Date.now();
      restarts.push(now);
      while (restarts[0]! < now - 60_000) restarts.shift();
      if (restarts.length > MAX_RESTARTS_PER_MINUTE) return options.log('ERROR', 'API workers keep exiting: not replaced any more', { workers: members.size });
      spawn().catch((error: unknown) => options.log('ERROR', 'a replacement API worker did not start', { error: String(error) }));
    });
    await new Promise<void>((resolve, reject) => {
      void workerListens.then(resolve);
      worker.once('exit', () => reject(new Error('an API worker exited while starting')));
    });
    // Every worker asks for the same port as the first, 0 included: node:cluster then hands them all the
    // one socket it opened for the first (a replacement too, while any other worker holds it).
    member.started = true;
    const ports = await member.channel.call<ServedPorts>('start', options.init(), START_MS).catch((error: unknown) => {
      worker.process.kill('SIGKILL'); // half started: it serves nothing, and must not linger
      throw error;
    });
    member.ready = true;
    return ports;
  };

  const stopAll = async () => {
    stopping = true;
    await Promise.all(
      [...members].map(
        (member) =>
          new Promise<void>((resolve) => {
            if (member.worker.isDead()) return resolve();
            const timer = setTimeout(() => member.worker.process.kill('SIGKILL'), STOP_MS);
            member.worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            member.channel.notify('stop');
          }),
      ),
    );
  };

  let ports: ServedPorts;
  try {
    ports = await spawn();
    await Promise.all(Array.from({ length: options.count - 1 }, () => spawn()));
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    ports,
    announce: (change) => tellAll('change', change),
    regionsDown: (regions) => tellAll('down', regions),
    keyUsage: (region, keyId) => usageOfWorkers(region, keyId),
    stats: () => Promise.all(others().filter((member) => member.ready).map((member) => member.channel.call<WorkerStats>('stats', undefined, CONFIRM_MS).catch(() => ({ cacheReads: { miss: 0, refresh: 0 }, dynamodbReads: 0 })))),
    stop: stopAll,
  };
}

