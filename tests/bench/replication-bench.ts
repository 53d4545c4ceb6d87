/**
 * `npm run bench -- replication`: how far behind the local global-table replicator runs
 * (infra/local/replicator.ts).
 *
 * Starts its own DynamoDB Local (temp dir, free port), creates the table in us-east-1 and us-west-2,
 * starts the replicator (default poll interval) and writes a steady load of ~1 KiB key-like items:
 *   1. into us-east-1 only (default 50 PutItem/s for 20 s),
 *   2. into both regions at once (the same rate in each, 10 s).
 * Lag is the time from the source's PutItem acknowledgement to the replicator's apply in the other
 * region; the lag from the stream record's ApproximateCreationDateTime is shown too, but DynamoDB Local
 * rounds that down to the minute, so it reads up to ~60 s high.
 *
 * Options: --rate <n> writes/s per writing region (default 50), --seconds <s> first run (default 20).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { startReplicator, type ReplicatorOptions } from '../../infra/local/replicator.js';
import { ensureTable } from '../../infra/local/tables.js';
import { DYNAMODB_LOCAL_CREDENTIALS } from '../../shared/services.js';

const TABLE = 'kms-replication-bench';
const REGIONS = ['us-east-1', 'us-west-2'];
const DEFAULT_POLL_MS = 100; // the replicator's default; shown in the output

type Applied = Parameters<NonNullable<ReplicatorOptions['onApplied']>>[0];

function parse(argv: string[]) {
  let rate = 50;
  let seconds = 20;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--rate') rate = Number(argv[++i]);
    else if (argv[i] === '--seconds') seconds = Number(argv[++i]);
    else throw new Error(`unknown option ${argv[i]} (replication bench: --rate n, --seconds s)`);
  }
  if (!(rate > 0 && rate <= 1000) || !(seconds > 0)) throw new Error('0 < --rate <= 1000, --seconds > 0');
  return { rate, seconds };
}

/** An item shaped like a key's metadata item, about 1 KiB. */
function keyItem(region: string) {
  const keyId = randomUUID();
  return {
    pk: { S: `key#${keyId}` },
    sk: { S: 'meta' },
    keyId: { S: keyId },
    arn: { S: `arn:aws:kms:${region}:111122223333:key/${keyId}` },
    keyState: { S: 'Enabled' },
    keySpec: { S: 'SYMMETRIC_DEFAULT' },
    keyUsage: { S: 'ENCRYPT_DECRYPT' },
    description: { S: 'replication bench key' },
    createdAt: { N: String(Date.now()) },
    revision: { N: '1' },
    wrappedMaterial: { B: randomBytes(640) },
  };
}

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN);

/** Writes `rate` items/s into each of `writers` for `seconds`; returns each item's ack time by pk. */
async function load(clients: Map<string, DynamoDBClient>, writers: string[], rate: number, seconds: number, acks: Map<string, number>) {
  let failures = 0;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  const total = Math.round(rate * seconds);
  for (let n = 0; n < total; n++) {
    // Open loop: each write starts on schedule whether or not the previous one has answered.
    const due = start + (n * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    for (const region of writers) {
      const item = keyItem(region);
      const write = clients
        .get(region)!
        .send(new PutItemCommand({ TableName: TABLE, Item: item }))
        .then(
          () => void acks.set(item.pk.S, Date.now()),
          () => void failures++,
        )
        .finally(() => inFlight.delete(write));
      inFlight.add(write);
    }
  }
  await Promise.all(inFlight);
  return { writes: total * writers.length - failures, failures };
}

function row(name: string, writes: number, applied: Applied[], acks: Map<string, number>) {
  const fromAck: number[] = [];
  const fromRecord: number[] = [];
  for (const event of applied) {
    const ack = acks.get((event.keys.pk as { S: string }).S);
    // The apply may beat the ack's callback by a hair; no negative lag.
    if (ack !== undefined) fromAck.push(Math.max(0, event.appliedAt - ack));
    fromRecord.push(event.appliedAt - event.createdAt);
  }
  fromAck.sort((a, b) => a - b);
  fromRecord.sort((a, b) => a - b);
  const stats = (values: number[]) => [50, 90, 99, 100].map((p) => String(Math.round(percentile(values, p))));
  return [name, String(writes), String(applied.length), ...stats(fromAck), ...stats(fromRecord).slice(0, 2)];
}

export async function runReplicationBench(argv: string[]): Promise<number> {
  const { rate, seconds } = parse(argv);
  const dir = mkdtempSync(join(tmpdir(), 'kms-replication-bench-'));
  const dynamodb = await startDynamoDbLocal({ dataDir: dir });
  const clients = new Map(REGIONS.map((region) => [region, new DynamoDBClient({ endpoint: dynamodb.endpoint, region, credentials: DYNAMODB_LOCAL_CREDENTIALS })]));
  let errors = 0;
  try {
    await Promise.all(REGIONS.map((region) => ensureTable(dynamodb.endpoint, region, TABLE)));
    let applied: Applied[] = [];
    const replicator = await startReplicator({
      endpoint: dynamodb.endpoint,
      tableName: TABLE,
      regions: REGIONS,
      onApplied: (event) => applied.push(event),
      log: (level, message, fields) => {
        if (level === 'ERROR') {
          errors++;
          console.error(message, fields);
        }
      },
    });
    const rows: string[][] = [];
    try {
      const runs = [
        { name: `us-east-1 only, ${rate}/s for ${seconds} s`, writers: ['us-east-1'], seconds },
        { name: `both regions, ${rate}/s each for 10 s`, writers: REGIONS, seconds: 10 },
      ];
      for (const run of runs) {
        console.log(`replication bench: ${run.name}…`);
        applied = [];
        const acks = new Map<string, number>();
        const { writes, failures } = await load(clients, run.writers, rate, run.seconds, acks);
        if (failures) console.log(`  ${failures} writes failed`);
        await replicator.caughtUp(60_000);
        rows.push(row(run.name, writes, applied, acks));
      }
    } finally {
      await replicator.stop();
    }
    const header = ['run', 'writes', 'replicated', 'lag p50', 'p90', 'p99', 'max', 'from record p50', 'p90'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(`\npoll interval ${DEFAULT_POLL_MS} ms per source stream; lag in ms from the source's PutItem ack to the apply in the other region`);
    console.log('("from record": from ApproximateCreationDateTime, which DynamoDB Local rounds down to the minute)\n');
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) console.log(line(r));
    if (errors) console.log(`\n${errors} replication errors logged`);
    return rows.every((r) => r[1] === r[2]) && errors === 0 ? 0 : 1;
  } finally {
    for (const client of clients.values()) client.destroy();
    await dynamodb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
