/**
 * Emulates DynamoDB global tables on DynamoDB Local: DynamoDB Local keeps one database per region, so the
 * service's table in each of the global table's regions is a separate table. This replicator reads each
 * region's DynamoDB stream (NEW_AND_OLD_IMAGES) and applies every write (put, update, delete, TTL
 * deletion) to the other regions' tables, last writer wins, as AWS does between replicas.
 *
 * Shape: one reader per source region pushes each record into one FIFO queue per target region; one
 * drainer per target applies its queue in order (so a target that is down simply accumulates, and a
 * flap cannot reorder). All state is in memory, except the checkpoints (optional, per source region,
 * per target: the last stream record handled for it), so a restart resumes where each target stopped.
 *
 * Most items have one writer region, named in their partition key (`KEY#<region>#…`, `ALIASES#<region>#…`,
 * `GRANTS#<region>#…`, `OUTBOX#<region>`, …; ARCHITECTURE "Home-region writes"): for them the writer's
 * stream order is the order, full stop. Their records are replicated from the owner's stream only and
 * applied unconditionally, in that order; a record of such an item in another region's stream is an echo
 * of the replicator's own write and goes nowhere. So a restart after a kill -9 (unread echoes in the
 * streams), a replay after `up`, or a duplicate can never put an older image over a newer one.
 *
 * Items without an owner in their key (the shared item of a multi-region key, its material, service
 * credentials) are ordered as follows. Stream records carry no "written by the replicator" mark, so the replicator remembers what it wrote
 * (see `observe`): a record in a region's stream whose image is what the replicator just put there is
 * its own echo and is not sent anywhere. DynamoDB Local rounds ApproximateCreationDateTime down to the
 * minute, so a local write is timed when the replicator sees it (within that minute, `versionTime`);
 * versions are (milliseconds, origin region), with a Lamport-style bump for a local write that follows
 * a known version (see `observe`). The echo memory is not persisted: stop() waits until the echoes of
 * its writes were read, so a restart does not mistake one for a local write.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DYNAMODB_LOCAL_CREDENTIALS } from '../../shared/services.js';
import { startDrainers, type Entry } from './replication-apply.js';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from './replication-checkpoints.js';
import { openReader } from './replication-reader.js';
import type { ItemState } from './replication-rules.js';
import { enableStream } from './replication-streams.js';

export interface ReplicatorOptions {
  endpoint: string;
  tableName: string;
  /** The global table's regions (>= 2 to do anything). */
  regions: string[];
  /** If set, checkpoints persist in <dataDir>/replication/<region>.json so a restart resumes. */
  dataDir?: string;
  /** Idle polling interval per source stream, default 100. */
  pollMs?: number;
  /**
   * Extra delay before a write is applied elsewhere (default 0): set it near AWS's typical global-table
   * lag (about a second) to rehearse what a client sees while a replica region is behind.
   */
  delayMs?: number;
  /** A down region neither sends nor receives; what it should receive waits, in order, until it is up. */
  isDown?: (region: string) => boolean;
  /** createdAt = the stream record's ApproximateCreationDateTime in ms. */
  onApplied?: (event: { from: string; to: string; keys: Record<string, unknown>; createdAt: number; appliedAt: number }) => void;
  log?: (level: 'INFO' | 'ERROR', message: string, fields?: Record<string, unknown>) => void;
}

export interface Replicator {
  /** Resolves once everything written (in up regions) before the call has been applied to every region that is up. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /**
   * Something was just written: read the streams now. An idle replicator polls only every `IDLE_POLL_MS`
   * (a second), so the local service nudges it after each of its writes and keeps the lag at `pollMs`.
   */
  nudge(): void;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// The replicator

const ITEM_STATE_TTL_MS = 5 * 60_000;
const CHECKPOINT_EVERY_MS = 500;
/** How often an idle stream is polled; nudge() (a local write) wakes the readers at once. */
const IDLE_POLL_MS = 1_000;
/** After activity (records read, or a nudge), streams are polled every pollMs for this long. */
const ACTIVE_WINDOW_MS = 2_000;
/** How long stop() lets replication settle (echoes read, checkpoints past them) before it ends the loops anyway. */
const STOP_DRAIN_MS = 3_000;

export async function startReplicator(options: ReplicatorOptions): Promise<Replicator> {
  const { endpoint, tableName, regions } = options;
  const pollMs = options.pollMs ?? 100;
  const delayMs = options.delayMs ?? 0;
  const isDown = options.isDown ?? (() => false);
  const log = options.log ?? (() => {});
  const clientConfig = (region: string) => ({ endpoint, region, credentials: DYNAMODB_LOCAL_CREDENTIALS });
  const db = new Map(regions.map((region) => [region, new DynamoDBClient(clientConfig(region))]));
  const streams = new Map(regions.map((region) => [region, new DynamoDBStreamsClient(clientConfig(region))]));

  let stopped = false;
  /** Sleepers by what wakes them early: the stream readers, or one region's drainer ('drain:<region>'). */
  const wakers = new Map<string, Set<() => void>>();
  /** Sleeps `ms`, or less when `channel` is woken (or stop() is called). */
  const sleep = (ms: number, channel = 'other') =>
    new Promise<void>((resolve) => {
      const sleepers = wakers.get(channel) ?? wakers.set(channel, new Set()).get(channel)!;
      const done = () => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });
  const wake = (channel?: string) => {
    for (const [name, sleepers] of wakers) if (channel === undefined || name === channel) for (const done of [...sleepers]) done();
  };
  /** When the streams last had something (or were nudged): they are polled every pollMs for a while after. */
  let activeAt = performance.now();
  const idleWait = () => (performance.now() - activeAt < ACTIVE_WINDOW_MS ? pollMs : Math.max(pollMs, IDLE_POLL_MS));

  // Per region, per item (stable JSON of its key): what we know of it there.
  const items = new Map(regions.map((region) => [region, new Map<string, ItemState & { touchedAt: number }>()]));
  const stateOf = (region: string, key: string) => items.get(region)!.get(key);
  const setState = (region: string, key: string, state: ItemState) => items.get(region)!.set(key, { ...state, touchedAt: Date.now() });

  // Per target: the queue, and whether its head is being applied right now.
  const queues = new Map(regions.map((region) => [region, { entries: [] as Entry[], busy: false }]));
  // Per source, per target, per shard: the last sequence number handled (the checkpoint).
  const positions = new Map(regions.map((region) => [region, new Map(regions.map((target) => [target, new Map<string, string>()]))]));
  const dirty = new Set<string>();
  const streamArns = new Map<string, string>();

  if (regions.length < 2) return { caughtUp: async () => {}, nudge: () => {}, stop: async () => destroyClients() };

  function destroyClients() {
    for (const client of [...db.values(), ...streams.values()]) client.destroy();
  }

  // --- streams on, checkpoints in ------------------------------------------------------------------

  for (const region of regions) streamArns.set(region, await enableStream(db.get(region)!, tableName, region));

  async function loadCheckpoint(region: string): Promise<Checkpoint | undefined> {
    if (!options.dataDir) return undefined;
    return readCheckpoint(options.dataDir, region, streamArns.get(region)!, (error) =>
      log('ERROR', 'replication checkpoint unreadable, starting fresh', { region, error: String(error) }),
    );
  }
  async function saveCheckpoint(region: string) {
    if (!options.dataDir) return;
    await writeCheckpoint(options.dataDir, region, streamArns.get(region)!, positions.get(region)!);
  }
  async function flushCheckpoints() {
    for (const region of [...dirty]) {
      dirty.delete(region);
      try {
        await saveCheckpoint(region);
      } catch (error) {
        dirty.add(region);
        log('ERROR', 'replication checkpoint not written', { region, error: String(error) });
      }
    }
  }

  // --- source side: read a region's stream --------------------------------------------------------

  const readers = await Promise.all(
    regions.map((region) =>
      openReader(
        {
          regions,
          streams,
          streamArns,
          queues,
          positions,
          dirty,
          pollMs,
          stopped: () => stopped,
          isDown,
          sleep,
          wake,
          idleWait,
          active: () => void (activeAt = performance.now()),
          loadCheckpoint,
          markHandled,
          stateOf,
          setState,
          log,
        },
        region,
      ),
    ),
  );
  /** When the replicator last wrote into each region: its echo is in that region's stream from then on. */
  const lastWriteAt = new Map<string, number>();

  function markHandled(source: string, target: string, shardId: string, seq: string) {
    if (source === target) return; // a repair: not part of any checkpoint
    positions.get(source)!.get(target)!.set(shardId, seq);
    dirty.add(source);
  }

  const drainers = startDrainers({
    regions,
    tableName,
    db,
    queues,
    pollMs,
    delayMs,
    stopped: () => stopped,
    isDown,
    sleep,
    markHandled,
    stateOf,
    setState,
    lastWriteAt,
    onApplied: options.onApplied,
    log,
  });

  // --- housekeeping ---------------------------------------------------------------------------------

  const timers = [
    setInterval(() => void flushCheckpoints(), CHECKPOINT_EVERY_MS),
    // Bounded memory: versions older than a few minutes cannot race anything any more.
    setInterval(() => {
      const cutoff = Date.now() - ITEM_STATE_TTL_MS;
      for (const byKey of items.values()) for (const [key, state] of byKey) if (state.touchedAt < cutoff) byKey.delete(key);
    }, 30_000),
  ];
  for (const timer of timers) timer.unref();
  log('INFO', 'replication started', { tableName, regions, pollMs, dataDir: options.dataDir });

  const replicator: Replicator = {
    nudge() {
      activeAt = performance.now();
      wake('read');
    },
    async caughtUp(timeoutMs = 30_000) {
      replicator.nudge();
      const since = performance.now();
      const deadline = since + timeoutMs;
      for (;;) {
        // Every up source has had a read that began after the call, and after the replicator's last write
        // into it (so its echo was read and consumed: a restart must not mistake it for a local write),
        // and found nothing new; and every up target has applied all it was handed.
        const read = readers.every(
          (reader) => isDown(reader.region) || reader.lastIdleCycleAt >= Math.max(since, lastWriteAt.get(reader.region) ?? -Infinity),
        );
        const applied = regions.every((region) => isDown(region) || (queues.get(region)!.entries.length === 0 && !queues.get(region)!.busy));
        if (read && applied) return;
        if (stopped) throw new Error('replicator stopped');
        if (performance.now() > deadline) throw new Error(`replication not caught up within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async stop() {
      if (stopped) return;
      // Let the echoes of the last writes be read first, so the checkpoints are past them (best effort).
      await replicator.caughtUp(STOP_DRAIN_MS).catch(() => {});
      stopped = true;
      wake();
      for (const timer of timers) clearInterval(timer);
      await Promise.all([...readers.map((reader) => reader.done), ...drainers]);
      await flushCheckpoints();
      destroyClients();
      log('INFO', 'replication stopped', { tableName });
    },
  };
  return replicator;
}
