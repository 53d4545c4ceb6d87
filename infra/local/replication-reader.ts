/**
 * The local replicator's source side: one reader per region follows its DynamoDB stream (shards in
 * parent-before-child order, resuming from the checkpoint, skipping history on a first start) and hands
 * each record to every target region's queue, or drops it as the replicator's own echo.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { Entry } from './replication-apply.js';
import type { Checkpoint } from './replication-checkpoints.js';
import { fingerprintOf, observe, ownerRegion, restoreEmptyMaps, stableJson, versionTime, type ItemState } from './replication-rules.js';

type Item = Record<string, AttributeValue>;

/** What the readers share with the rest of the replicator. */
export interface ReaderShared {
  regions: readonly string[];
  streams: Map<string, DynamoDBStreamsClient>;
  streamArns: Map<string, string>;
  queues: Map<string, { entries: Entry[]; busy: boolean }>;
  /** Per source, per target, per shard: the last sequence number handled (the checkpoint). */
  positions: Map<string, Map<string, Map<string, string>>>;
  /** Sources whose checkpoint changed since it was last saved. */
  dirty: Set<string>;
  pollMs: number;
  stopped(): boolean;
  isDown(region: string): boolean;
  sleep(ms: number, channel?: string): Promise<void>;
  wake(channel?: string): void;
  /** How long an idle reader waits before it reads again. */
  idleWait(): number;
  /** Records came: poll at pollMs for a while. */
  active(): void;
  loadCheckpoint(region: string): Promise<Checkpoint | undefined>;
  markHandled(source: string, target: string, shardId: string, seq: string): void;
  stateOf(region: string, key: string): ItemState | undefined;
  setState(region: string, key: string, state: ItemState): void;
  log(level: 'INFO' | 'ERROR', message: string, fields?: Record<string, unknown>): void;
}

export interface Reader {
  region: string;
  /** When a read cycle last began that found nothing new. */
  lastIdleCycleAt: number;
  /** Ends when the replicator stops. */
  done: Promise<void>;
}

interface ShardCursor {
  shardId: string;
  parentShardId?: string;
  iterator?: string;
  /** The last record read; where to resume if the iterator expires. */
  lastSeq?: string;
  closed: boolean;
}

const SHARD_REFRESH_MS = 30_000;
const MAX_BACKOFF_MS = 2_000;

const seqLess = (a: string, b: string) => BigInt(a) < BigInt(b);

export async function openReader(shared: ReaderShared, source: string): Promise<Reader> {
  const client = shared.streams.get(source)!;
  const streamArn = shared.streamArns.get(source)!;
  const targets = shared.regions.filter((region) => region !== source);
  const cursors = new Map<string, ShardCursor>();
  const checkpoint = await shared.loadCheckpoint(source);
  for (const [shardId, byTarget] of Object.entries(checkpoint?.shards ?? {})) {
    for (const [target, seq] of Object.entries(byTarget)) shared.positions.get(source)!.get(target)?.set(shardId, seq);
  }

  const describeShards = async (): Promise<Shard[]> => {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const out = await client.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      shards.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    return shards;
  };

  /** Where to resume a shard: after the oldest position any target still needs, if a checkpoint has one. */
  const resumeSeq = (shardId: string): string | undefined => {
    let oldest: string | undefined;
    for (const target of targets) {
      const seq = shared.positions.get(source)!.get(target)!.get(shardId);
      if (seq !== undefined && (oldest === undefined || seqLess(seq, oldest))) oldest = seq;
    }
    return oldest;
  };

  const openIterator = async (cursor: ShardCursor) => {
    // Without a position: from the shard's start (new since the checkpoint, or nothing in it before).
    const out = await client.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: cursor.shardId,
        ...(cursor.lastSeq ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: cursor.lastSeq } : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    cursor.iterator = out.ShardIterator;
  };

  const addShards = async (fresh: boolean) => {
    for (const shard of await describeShards()) {
      if (!shard.ShardId || cursors.has(shard.ShardId)) continue;
      const cursor: ShardCursor = { shardId: shard.ShardId, parentShardId: shard.ParentShardId, lastSeq: resumeSeq(shard.ShardId), closed: false };
      cursors.set(shard.ShardId, cursor);
      if (fresh) await skipHistory(cursor, shard);
    }
  };

  /**
   * First start (no checkpoint): replicate only what is written from now on. Older records would be
   * applied with no knowledge of the targets' newer writes. Reading to the end (rather than LATEST)
   * gives a sequence number to checkpoint, so a restart resumes exactly here.
   */
  const skipHistory = async (cursor: ShardCursor, shard: Shard) => {
    const end = shard.SequenceNumberRange?.EndingSequenceNumber;
    if (end) {
      cursor.lastSeq = end;
      cursor.closed = true;
    } else {
      await openIterator(cursor);
      for (;;) {
        const out = await client.send(new GetRecordsCommand({ ShardIterator: cursor.iterator }));
        cursor.iterator = out.NextShardIterator;
        const last = out.Records?.at(-1)?.dynamodb?.SequenceNumber;
        if (last) cursor.lastSeq = last;
        if (!out.Records?.length || !cursor.iterator) break;
      }
      if (!cursor.iterator) cursor.closed = true;
    }
    if (cursor.lastSeq) for (const target of targets) shared.positions.get(source)!.get(target)!.set(cursor.shardId, cursor.lastSeq);
    shared.dirty.add(source);
  };

  await addShards(!checkpoint);

  const reader = { region: source, lastIdleCycleAt: -Infinity, done: Promise.resolve() };
  reader.done = (async () => {
    let failures = 0;
    let refreshedAt = performance.now();
    let refresh = false;
    while (!shared.stopped()) {
      // A down region's stream is not read; it keeps its records until the region is up.
      if (shared.isDown(source)) {
        await shared.sleep(shared.pollMs);
        continue;
      }
      const cycleAt = performance.now();
      let read = 0;
      try {
        if (refresh || cycleAt - refreshedAt > SHARD_REFRESH_MS) {
          await addShards(false);
          refresh = false;
          refreshedAt = cycleAt;
        }
        for (const cursor of cursors.values()) {
          if (cursor.closed || shared.stopped()) continue;
          // A child shard's records follow its parent's: read it once the parent is finished.
          const parent = cursor.parentShardId ? cursors.get(cursor.parentShardId) : undefined;
          if (parent && !parent.closed) continue;
          if (!cursor.iterator) await openIterator(cursor);
          const out = await getRecords(cursor);
          for (const record of out.Records ?? []) {
            handle(shared, source, cursor.shardId, record);
            cursor.lastSeq = record.dynamodb!.SequenceNumber!;
          }
          read += out.Records?.length ?? 0;
          cursor.iterator = out.NextShardIterator;
          if (!cursor.iterator) {
            cursor.closed = true; // its children (if any) are listed by the next DescribeStream
            refresh = true;
          }
        }
        failures = 0;
        if (read === 0) reader.lastIdleCycleAt = cycleAt;
      } catch (error) {
        failures++;
        shared.log('ERROR', 'replication: reading the stream failed, retrying', { region: source, error: String(error) });
        await shared.sleep(Math.min(MAX_BACKOFF_MS, shared.pollMs * 2 ** failures));
        continue;
      }
      // Records came: there may be more right away. None: wait before asking again.
      if (read === 0) await shared.sleep(shared.idleWait(), 'read');
      else shared.active();
    }
  })();

  async function getRecords(cursor: ShardCursor) {
    try {
      return await client.send(new GetRecordsCommand({ ShardIterator: cursor.iterator }));
    } catch (error) {
      // An iterator lives 15 minutes (e.g. while the region was down): get a new one at the same place.
      const name = (error as { name?: string }).name;
      if (name === 'ExpiredIteratorException' || name === 'TrimmedDataAccessException') cursor.iterator = undefined;
      throw error;
    }
  }

  return reader;
}

/** One record of `source`'s stream: our echo (dropped), or a local write sent on to every target. */
function handle(shared: ReaderShared, source: string, shardId: string, record: StreamRecord) {
  const data = record.dynamodb!;
  // The streams client's AttributeValue is the same wire shape as the DynamoDB client's.
  const keys = data.Keys as unknown as Item;
  const image = record.eventName === 'REMOVE' ? undefined : restoreEmptyMaps(data.NewImage as unknown as Item);
  const seq = data.SequenceNumber!;
  const createdAt = data.ApproximateCreationDateTime?.getTime() ?? Date.now();
  const key = stableJson(keys);
  const fingerprint = fingerprintOf(image);
  const owner = ownerRegion(keys.pk?.S, shared.regions);
  if (owner !== undefined) {
    // Only the owner's writes are sent on; anything else in this stream is an echo of ours.
    const entry: Entry = { source, shardId, seq, kind: owner === source ? 'apply' : 'mark', owned: true, keys, image, fingerprint, version: { at: 0, origin: source }, createdAt, seenAt: Date.now() };
    for (const target of shared.regions) {
      if (target === source) continue;
      const queue = shared.queues.get(target)!;
      if (entry.kind === 'mark' && queue.entries.length === 0) shared.markHandled(source, target, shardId, seq);
      else queue.entries.push(entry);
      shared.wake(`drain:${target}`);
    }
    return;
  }
  const observation = observe(shared.stateOf(source, key), fingerprint, versionTime(createdAt, Date.now()), source);
  shared.setState(source, key, observation.state);
  const entry: Entry = { source, shardId, seq, kind: 'apply', keys, image, fingerprint, version: observation.kind === 'local' ? observation.version : { at: createdAt, origin: source }, createdAt, seenAt: Date.now() };
  if (observation.kind === 'local' && observation.repair) {
    shared.log('INFO', 'replication: restoring a local write overwritten by an older replicated one', { region: source, keys: key });
    shared.queues.get(source)!.entries.push(entry);
    shared.wake(`drain:${source}`);
  }
  for (const target of shared.regions) {
    if (target === source) continue;
    const queue = shared.queues.get(target)!;
    if (observation.kind === 'local') queue.entries.push(entry);
    // Not for this target, but its checkpoint may move past it only after what is queued before it.
    else if (queue.entries.length === 0) shared.markHandled(source, target, shardId, seq);
    else queue.entries.push({ ...entry, kind: 'mark' });
    shared.wake(`drain:${target}`);
  }
}
