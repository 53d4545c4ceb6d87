/**
 * The local replicator's target side: one drainer per target region applies its queue in order (items
 * of an owner region as they come; others last writer wins, remembering the echoes to expect), a batch of
 * distinct items at a time, and moves the checkpoints past what it applied.
 */
import { DeleteItemCommand, PutItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { newerVersion, stableJson, type ItemState, type Version } from './replication-rules.js';

type Item = Record<string, AttributeValue>;

/** One stream record on its way to a target region. */
export interface Entry {
  source: string;
  shardId: string;
  seq: string;
  /** 'mark': nothing to apply, only the checkpoint moves past this record. */
  kind: 'apply' | 'mark';
  /** From the item's owner region: applied as it comes, in stream order (no version check, no echo bookkeeping). */
  owned?: boolean;
  keys: Item;
  image?: Item;
  fingerprint: string;
  version: Version;
  createdAt: number;
  /** When the replicator read the record (the extra delay counts from here). */
  seenAt: number;
}

/** What the drainers share with the rest of the replicator. */
export interface ApplyShared {
  regions: readonly string[];
  tableName: string;
  db: Map<string, DynamoDBClient>;
  queues: Map<string, { entries: Entry[]; busy: boolean }>;
  pollMs: number;
  delayMs: number;
  stopped(): boolean;
  isDown(region: string): boolean;
  sleep(ms: number, channel?: string): Promise<void>;
  markHandled(source: string, target: string, shardId: string, seq: string): void;
  stateOf(region: string, key: string): ItemState | undefined;
  setState(region: string, key: string, state: ItemState): void;
  lastWriteAt: Map<string, number>;
  onApplied?: (event: { from: string; to: string; keys: Record<string, unknown>; createdAt: number; appliedAt: number }) => void;
  log(level: 'INFO' | 'ERROR', message: string, fields?: Record<string, unknown>): void;
}

const MAX_BACKOFF_MS = 2_000;
/** How long an empty queue waits before it looks again (a reader wakes it at once when it hands something over). */
const IDLE_POLL_MS = 1_000;
/** Writes to distinct items applied at once per target. */
const APPLY_BATCH = 32;

/** Starts one drainer per region; each promise ends when the replicator stops. */
export function startDrainers(shared: ApplyShared): Promise<void>[] {
  // Per target: entries already decided (and registered) there, and entries already written there. A
  // batch's entries after a failed one are kept for the retry, which must neither decide them again (their
  // version is now the known one) nor write them twice.
  const registered = new Map(shared.regions.map((region) => [region, new WeakSet<Entry>()]));
  const written = new Map(shared.regions.map((region) => [region, new WeakSet<Entry>()]));

  return shared.regions.map((target) =>
    (async () => {
      const queue = shared.queues.get(target)!;
      let failures = 0;
      while (!shared.stopped()) {
        const entry = queue.entries[0];
        // A down target receives nothing; its queue waits, in order.
        if (!entry || shared.isDown(target)) {
          // Nothing queued: wait until the readers hand over something (or a second passes).
          await shared.sleep(entry ? shared.pollMs : IDLE_POLL_MS, `drain:${target}`);
          continue;
        }
        const wait = entry.seenAt + shared.delayMs - Date.now();
        if (wait > 0) {
          await shared.sleep(wait);
          continue;
        }
        queue.busy = true;
        // Writes to different items commute, so the head of the queue is applied in parallel up to the
        // first repeated item (one item's writes stay in order). A PutItem on DynamoDB Local takes tens
        // of ms: one at a time would fall behind a few dozen writes per second.
        const batch: Entry[] = [];
        const itemsInBatch = new Set<string>();
        for (const next of queue.entries) {
          const item = stableJson(next.keys);
          if (batch.length >= APPLY_BATCH || itemsInBatch.has(item)) break;
          itemsInBatch.add(item);
          batch.push(next);
        }
        const results = await Promise.allSettled(batch.map((next) => (next.kind === 'apply' ? apply(target, next) : undefined)));
        // The done prefix leaves the queue (and moves the checkpoint); from the first failure on, retry.
        let done = 0;
        while (done < batch.length && results[done]!.status === 'fulfilled') done++;
        try {
          for (const next of queue.entries.splice(0, done)) shared.markHandled(next.source, target, next.shardId, next.seq);
          if (done < batch.length) {
            failures++;
            const reason = (results[done] as PromiseRejectedResult).reason;
            shared.log('ERROR', 'replication: applying a write failed, retrying', { from: batch[done]!.source, to: target, error: String(reason) });
            await shared.sleep(Math.min(MAX_BACKOFF_MS, 50 * 2 ** failures));
          } else failures = 0;
        } finally {
          queue.busy = false;
        }
      }
    })(),
  );

  /** Applies `entry` to `target` unless the target already has a newer version (last writer wins). */
  async function apply(target: string, entry: Entry) {
    if (written.get(target)!.has(entry)) return;
    if (entry.owned) {
      // The owner's order is the order: put (or delete) as it comes. Its echo in the target's stream is dropped there.
      const client = shared.db.get(target)!;
      if (entry.image) await client.send(new PutItemCommand({ TableName: shared.tableName, Item: entry.image }));
      else await client.send(new DeleteItemCommand({ TableName: shared.tableName, Key: entry.keys }));
      written.get(target)!.add(entry);
      shared.lastWriteAt.set(target, performance.now());
      shared.onApplied?.({ from: entry.source, to: target, keys: entry.keys, createdAt: entry.createdAt, appliedAt: Date.now() });
      return;
    }
    const key = stableJson(entry.keys);
    if (!registered.get(target)!.has(entry)) {
      const state: ItemState = shared.stateOf(target, key) ?? { pending: [] };
      // A repair (source === target) restores a version we already know to be the newest there.
      const wins = !state.version || (entry.source === target ? !newerVersion(state.version, entry.version) : newerVersion(entry.version, state.version));
      if (!wins) return;
      // Registered before the request: the echo can reach the target's reader before the answer reaches us.
      shared.setState(target, key, { version: entry.version, pending: [...state.pending, entry.fingerprint] });
      registered.get(target)!.add(entry);
    }
    const client = shared.db.get(target)!;
    // ALL_OLD tells whether the write changed anything: DynamoDB writes no stream record for a put of an
    // identical item or a delete of a missing one, so no echo will come to consume the fingerprint.
    const old = entry.image
      ? (await client.send(new PutItemCommand({ TableName: shared.tableName, Item: entry.image, ReturnValues: 'ALL_OLD' }))).Attributes
      : (await client.send(new DeleteItemCommand({ TableName: shared.tableName, Key: entry.keys, ReturnValues: 'ALL_OLD' }))).Attributes;
    const changed = entry.image ? !old || stableJson(old) !== entry.fingerprint : old !== undefined;
    if (!changed) {
      const now = shared.stateOf(target, key)!;
      const at = now.pending.lastIndexOf(entry.fingerprint);
      if (at >= 0) shared.setState(target, key, { version: now.version, pending: now.pending.filter((_, i) => i !== at) });
    }
    written.get(target)!.add(entry);
    shared.lastWriteAt.set(target, performance.now());
    shared.onApplied?.({ from: entry.source, to: target, keys: entry.keys, createdAt: entry.createdAt, appliedAt: Date.now() });
  }
}
