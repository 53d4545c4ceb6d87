/**
 * `npm run bench -- jobs`: how much a job run reads, against how much is due and how much is stored.
 *
 * Seeds 20,000 keys into a fresh DynamoDB Local (own temp dir and port) in one region: for each job, 1%
 * of the keys (200) are due and many more are on that job's index but not yet due (rotation enabled
 * for later, deletion windows still open, imported material valid for longer). Then runs each job once
 * in-process, as of one instant, counting every item DynamoDB returns to it (GetItem, Query, BatchGet)
 * with a middleware on its client; then runs each again to show a run with nothing due reads (almost)
 * nothing. The point (ARCHITECTURE principle 6): reads grow with the work due, not with the table.
 *
 * Options: --keys <n> (default 20000), --due-percent <p> (default 1).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { loadConfig } from '../../shared/config.js';
import { newKeyId } from '../../shared/core/ids.js';
import { testKey } from '../support/key-record.js';
import { MaterialVault } from '../../shared/core/material-vault.js';
import type { KeyRecord, WrappedMaterial } from '../../shared/core/types.js';
import type { JobName, JobReport } from '../../shared/jobs/context.js';
import { jobs } from '../../shared/jobs/index.js';
import { rootKeyProvider } from '../../shared/adapters/root-key.js';
import { systemRandom } from '../../shared/adapters/system.js';
import { createServices, DYNAMODB_LOCAL_CREDENTIALS } from '../../shared/services.js';
import { keyToItem, materialToItem } from '../../shared/store/key-items.js';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { ensureTable } from '../../infra/local/tables.js';

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const TABLE = 'kms-jobs-bench';
const DAY = 86_400_000;

interface Counter {
  items: number;
  requests: number;
}

/** Counts the items DynamoDB hands back to a client (what a job "reads"). */
function counting(client: DynamoDBDocumentClient, counter: Counter): DynamoDBDocumentClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const output = result.output as { Item?: unknown; Items?: unknown[]; Responses?: Record<string, unknown[]> };
      counter.requests++;
      if (output.Item) counter.items++;
      if (output.Items) counter.items += output.Items.length;
      if (output.Responses) for (const items of Object.values(output.Responses)) counter.items += items.length;
      return result;
    },
    { step: 'initialize', name: 'countItemsRead' },
  );
  return client;
}

function parse(argv: string[]) {
  let keys = 20_000;
  let duePercent = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--keys') keys = Number(argv[++i]);
    else if (argv[i] === '--due-percent') duePercent = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]} (jobs bench: --keys n, --due-percent p)`);
  }
  if (!(keys >= 100) || !(duePercent > 0 && duePercent <= 100)) throw new Error('--keys >= 100, 0 < --due-percent <= 100');
  return { keys, duePercent };
}

export async function runJobsBench(argv: string[]): Promise<number> {
  const { keys: total, duePercent } = parse(argv);
  const due = Math.max(1, Math.round((total * duePercent) / 100));
  const dir = mkdtempSync(join(tmpdir(), 'kms-jobs-bench-'));
  const dynamodb = await startDynamoDbLocal({ dataDir: dir });
  try {
    await ensureTable(dynamodb.endpoint, REGION, TABLE);
    const rootKey = randomBytes(32).toString('hex');
    const config = loadConfig({
      KMS_TABLE_NAME: TABLE,
      KMS_DYNAMODB_ENDPOINT: dynamodb.endpoint,
      KMS_ROOT_KEY: rootKey,
      KMS_DATA_DIR: dir,
      AWS_REGION: REGION,
      KMS_CACHE_TTL_MS: '0',
    });
    const now = Date.now();
    console.log(`jobs bench: seeding ${total.toLocaleString()} keys (${due} due per job) into DynamoDB Local…`);
    const seeded = await seed(config, total, due, now);
    console.log(`seeded ${seeded.items.toLocaleString()} items in ${(seeded.ms / 1000).toFixed(1)} s\n`);

    const counter: Counter = { items: 0, requests: 0 };
    const services = createServices(config, { wrapClient: (client) => counting(client, counter) });
    const rows: string[][] = [];
    for (const name of ['rotation', 'deletion', 'expiry'] as JobName[]) {
      for (const run of ['first', 'again'] as const) {
        counter.items = 0;
        counter.requests = 0;
        const started = performance.now();
        const report: JobReport = await jobs[name](services.jobContext(REGION, new Date(now)));
        const ms = performance.now() - started;
        rows.push([
          run === 'first' ? name : `${name} (again)`,
          String(report.due),
          String(report.done),
          String(counter.items),
          report.done > 0 ? (counter.items / report.done).toFixed(1) : '-',
          seeded.items.toLocaleString(),
          String(counter.requests),
          ms.toFixed(0),
          String(report.failures.length),
        ]);
        if (report.failures.length > 0) console.log(`${name}: ${report.failures.length} failures, e.g. ${report.failures[0]!.error}`);
      }
    }
    const header = ['job run', 'due', 'done', 'items read', 'read/done', 'items in table', 'requests', 'ms', 'failures'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(line(header));
    for (const row of rows) console.log(line(row));
    console.log(`\nitems read per run stay a small multiple of the due keys (${due}) and do not grow with the table (${total.toLocaleString()} keys).`);
    console.log('Per key done: its index entry, a fresh read of the key, and the outbox entries it wrote (event, audit record)');
    console.log('read back for delivery; the deletion job also reads the material it deletes.');
    return rows.some((r) => r[8] !== '0') ? 1 : 0;
  } finally {
    await dynamodb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Writes the keys straight into the table (BatchWriteItem, the items the store itself would write):
 * through the API this would take minutes. Per job, `due` keys are due at `now` and 4x as many are on
 * the job's index but due later; the rest are plain enabled keys.
 */
async function seed(config: ReturnType<typeof loadConfig>, total: number, due: number, now: number) {
  const started = performance.now();
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ region: REGION, endpoint: config.dynamodbEndpoint, credentials: DYNAMODB_LOCAL_CREDENTIALS }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const vault = new MaterialVault(rootKeyProvider(config.rootKey, REGION), systemRandom);
  const items: Record<string, unknown>[] = [];
  const later = 4 * due;
  for (let i = 0; i < total; i++) {
    const keyId = newKeyId(randomBytes(16));
    const material: WrappedMaterial = await vault.create(keyId, now - 400 * DAY);
    const key: KeyRecord = testKey({
      keyId,
      account: ACCOUNT,
      region: REGION,
      creationDate: now - 400 * DAY,
      currentKeyMaterialId: material.keyMaterialId,
    });
    const group = i < 3 * (due + later) ? Math.floor(i / (due + later)) : -1; // 0 rotation, 1 deletion, 2 expiry
    const isDue = group >= 0 && i % (due + later) < due;
    if (group === 0 || i >= 3 * (due + later)) {
      // Rotation on for most keys: the due ones at `now`, the others later (spread over the year).
      if (group === 0 || i % 2 === 0) {
        key.rotationEnabled = true;
        key.rotationPeriodInDays = 365;
        key.nextRotationDate = isDue ? now - 1000 : now + (1 + (i % 300)) * DAY;
      }
    } else if (group === 1) {
      key.keyState = 'PendingDeletion';
      key.pendingWindowInDays = 30;
      key.deletionDate = isDue ? now - 1000 : now + (2 + (i % 28)) * DAY;
    } else if (group === 2) {
      key.origin = 'EXTERNAL';
      key.expirationModel = 'KEY_MATERIAL_EXPIRES';
      key.validTo = isDue ? now - 1000 : now + (2 + (i % 300)) * DAY;
      material.imported = true;
    }
    // Only what the jobs touch: the key items, and the material of keys the deletion job will remove
    // (DynamoDB Local writes ~200 items/s with this table's indexes; ListKeys entries would triple that).
    items.push(keyToItem(key));
    if (group === 1) items.push(materialToItem(material));
  }
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  const writer = async () => {
    for (let batch = batches.shift(); batch; batch = batches.shift()) {
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      while (requests.length > 0) {
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [config.tableName]: requests } }));
        requests = (out.UnprocessedItems?.[config.tableName] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, writer));
  client.destroy();
  return { items: items.length, ms: performance.now() - started };
}
