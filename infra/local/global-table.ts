/**
 * The local global table: its regions (KMS_REGIONS, then every region that joined since, remembered in
 * `<dataDir>/replication/joined-regions.json`) and the replicator between them. Every AWS region is served
 * locally, so ReplicateKey to a region outside the table makes that region join it (ARCHITECTURE
 * "Home-region writes"; deployed stacks keep their stage's regions):
 *
 * 1. its table exists (it may already, with keys of its own from requests to it);
 * 2. replication stops once it has caught up;
 * 3. the new region receives a copy of every item of the table's first region (which holds everything the
 *    table replicated), and every other region receives the new region's own items (partition key
 *    `<KIND>#<region>#…`), so the new region's past is part of the table too;
 * 4. the region is remembered, and replication starts again with it. Each old region's stream resumes
 *    at its checkpoint, so what was written while replication was stopped reaches every region, the new
 *    one included; the new region's stream starts after the copy (a first start skips history).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient, ScanCommand, type AttributeValue, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { DYNAMODB_LOCAL_CREDENTIALS } from '../../shared/services.js';
import { ownerRegion } from './replication-rules.js';
import { startReplicator, type Replicator, type ReplicatorOptions } from './replicator.js';

export interface GlobalTableOptions extends Omit<ReplicatorOptions, 'regions'> {
  /** KMS_REGIONS: the table's regions from the start, in order. */
  configured: readonly string[];
  /** Creates a region's table (with its stream) if it does not exist yet. */
  ensureTable(region: string): Promise<void>;
}

export interface GlobalTable extends Replicator {
  /** The table's regions now: the configured ones, then the joined ones in the order they joined. */
  regions(): readonly string[];
  /** Makes `region` a region of the table (no-op if it is one); resolves once it replicates. */
  join(region: string): Promise<void>;
}

const BATCH = 25;

export async function startGlobalTable(options: GlobalTableOptions): Promise<GlobalTable> {
  const { configured, ensureTable, ...replicatorOptions } = options;
  const joinedFile = options.dataDir ? join(options.dataDir, 'replication', 'joined-regions.json') : undefined;
  const regions = [...new Set([...configured, ...(await readJoined(joinedFile))])];
  await Promise.all(regions.map((region) => ensureTable(region)));
  let replicator = regions.length > 1 ? await startReplicator({ ...replicatorOptions, regions: [...regions] }) : undefined;
  /** Joins run one at a time; caughtUp and stop wait for the one in progress. */
  let joining: Promise<void> = Promise.resolve();
  let stopped = false;

  const client = (region: string) => new DynamoDBClient({ endpoint: options.endpoint, region, credentials: DYNAMODB_LOCAL_CREDENTIALS });

  async function admit(region: string) {
    if (regions.includes(region) || stopped) return;
    await ensureTable(region);
    await replicator?.stop();
    replicator = undefined;
    try {
      const [first] = regions as [string];
      await copyItems(client, options.tableName, first, [region], () => true);
      await copyItems(client, options.tableName, region, regions, (pk) => ownerRegion(pk, [region]) === region);
      regions.push(region);
      if (joinedFile) await writeJoined(joinedFile, regions.filter((r) => !configured.includes(r)));
      options.log?.('INFO', 'a region joined the global table', { region, regions });
    } finally {
      // Whatever happened, replication runs again between the regions the table has.
      if (!stopped && regions.length > 1) replicator = await startReplicator({ ...replicatorOptions, regions: [...regions] });
    }
  }

  return {
    regions: () => regions,
    join(region) {
      const turn = joining.then(() => admit(region));
      joining = turn.catch(() => {});
      return turn;
    },
    nudge: () => replicator?.nudge(),
    async caughtUp(timeoutMs) {
      for (;;) {
        const turn = joining;
        await turn;
        const current = replicator;
        try {
          await current?.caughtUp(timeoutMs);
        } catch (error) {
          // A join stopped the replicator we waited on: wait for the one that replaced it.
          if (joining !== turn && !stopped) continue;
          throw error;
        }
        if (joining === turn) return;
      }
    },
    async stop() {
      await joining;
      stopped = true;
      await replicator?.stop();
    },
  };
}

/** Copies the items of `from` whose partition key `wanted` accepts into each of `to` (BatchWriteItem, retried until all are in). */
async function copyItems(
  client: (region: string) => DynamoDBClient,
  tableName: string,
  from: string,
  to: readonly string[],
  wanted: (pk: string | undefined) => boolean,
): Promise<void> {
  const source = client(from);
  const targets = to.filter((region) => region !== from).map(client);
  try {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await source.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }));
      const items = (page.Items ?? []).filter((item) => wanted(item.pk?.S));
      for (let at = 0; at < items.length; at += BATCH) {
        const requests = items.slice(at, at + BATCH).map((Item): WriteRequest => ({ PutRequest: { Item } }));
        await Promise.all(targets.map((target) => writeAll(target, tableName, requests)));
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    for (const c of [source, ...targets]) c.destroy();
  }
}

async function writeAll(db: DynamoDBClient, tableName: string, requests: WriteRequest[]): Promise<void> {
  for (let pending = requests, attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
    const out = await db.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
    pending = out.UnprocessedItems?.[tableName] ?? [];
  }
}

async function readJoined(file: string | undefined): Promise<string[]> {
  if (!file) return [];
  try {
    const regions = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return Array.isArray(regions) ? regions.filter((r): r is string => typeof r === 'string') : [];
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${file} is unreadable (${String(error)}); fix or remove it`);
  }
}

/** Written to a temporary file and renamed: a crash leaves the old list or the new one, never half of one. */
async function writeJoined(file: string, regions: string[]): Promise<void> {
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(`${file}.tmp`, JSON.stringify(regions) + '\n');
  await rename(`${file}.tmp`, file);
}
