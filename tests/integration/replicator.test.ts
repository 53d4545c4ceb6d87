/**
 * The local global-table replicator (infra/local/replicator.ts) against the DynamoDB Local the harness
 * started: its own table name and regions, so nothing here touches the service's tables. Each test
 * starts its own replicator (which skips what is already in the streams) and uses its own item keys.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { startReplicator, type ReplicatorOptions } from '../../infra/local/replicator.js';
import { ensureTable } from '../../infra/local/tables.js';
import { DYNAMODB_LOCAL_CREDENTIALS } from '../../shared/services.js';

const ENDPOINT = process.env.KMS_DYNAMODB_ENDPOINT!;
const TABLE = `repl-test-${randomUUID().slice(0, 8)}`;
const [A, B, C] = ['me-south-1', 'me-central-1', 'il-central-1'] as const;
const REGIONS: string[] = [A, B, C];
const clients = new Map(REGIONS.map((region) => [region, new DynamoDBClient({ endpoint: ENDPOINT, region, credentials: DYNAMODB_LOCAL_CREDENTIALS })]));
const db = (region: string) => clients.get(region)!;

type Applied = Parameters<NonNullable<ReplicatorOptions['onApplied']>>[0];

function replicator(extra: Partial<ReplicatorOptions> = {}) {
  const applied: Applied[] = [];
  const errors: unknown[] = [];
  const started = startReplicator({
    endpoint: ENDPOINT,
    tableName: TABLE,
    regions: REGIONS,
    pollMs: 20,
    onApplied: (event) => applied.push(event),
    log: (level, message, fields) => level === 'ERROR' && errors.push({ message, fields }),
    ...extra,
  });
  return { started, applied, errors };
}

const key = (id: string) => ({ pk: { S: `item#${id}` }, sk: { S: 'meta' } });
const put = (region: string, id: string, fields: Record<string, AttributeValue>) =>
  db(region).send(new PutItemCommand({ TableName: TABLE, Item: { ...key(id), ...fields } }));
const get = async (region: string, id: string) =>
  (await db(region).send(new GetItemCommand({ TableName: TABLE, Key: key(id), ConsistentRead: true }))).Item;
const newId = () => randomUUID().slice(0, 8);

before(async () => {
  assert.ok(ENDPOINT, 'KMS_DYNAMODB_ENDPOINT is set by the test harness');
  await Promise.all(REGIONS.map((region) => ensureTable(ENDPOINT, region, TABLE)));
});

after(() => {
  for (const client of clients.values()) client.destroy();
});

test('a put, an update and a delete in one region reach the others, once each, with no echo', async () => {
  const { started, applied, errors } = replicator();
  const r = await started;
  try {
    const id = newId();
    await put(A, id, { v: { N: '1' }, tags: { SS: ['x', 'y'] } });
    await r.caughtUp(5000);
    for (const region of [B, C]) assert.deepEqual(await get(region, id), await get(A, id));

    await db(B).send(new UpdateItemCommand({ TableName: TABLE, Key: key(id), UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { N: '2' } } }));
    await r.caughtUp(5000);
    for (const region of [A, C]) assert.equal((await get(region, id))?.v?.N, '2');

    await db(C).send(new DeleteItemCommand({ TableName: TABLE, Key: key(id) }));
    await r.caughtUp(5000);
    for (const region of REGIONS) assert.equal(await get(region, id), undefined);

    // Three writes, each applied to the two other regions exactly once: the echoes went nowhere.
    assert.equal(applied.length, 6);
    assert.deepEqual(
      applied.map((event) => `${event.from}>${event.to}`).sort(),
      [`${A}>${B}`, `${A}>${C}`, `${B}>${A}`, `${B}>${C}`, `${C}>${A}`, `${C}>${B}`].sort(),
    );
    // And the streams stay quiet afterwards (no ping-pong).
    await new Promise((resolve) => setTimeout(resolve, 300));
    await r.caughtUp(5000);
    assert.equal(applied.length, 6);
    assert.deepEqual(errors, []);
  } finally {
    await r.stop();
  }
});

test('a down region gets nothing while down, then everything in order', async () => {
  const down = new Set<string>([C]);
  const { started, applied } = replicator({ isDown: (region) => down.has(region) });
  const r = await started;
  try {
    const id = newId();
    const other = newId();
    for (let n = 1; n <= 5; n++) await put(A, id, { v: { N: String(n) } });
    await put(A, other, { v: { N: '1' } });
    await db(A).send(new DeleteItemCommand({ TableName: TABLE, Key: key(other) }));
    await r.caughtUp(5000);
    assert.equal((await get(B, id))?.v?.N, '5');
    assert.equal(await get(C, id), undefined);
    assert.equal(applied.filter((event) => event.to === C).length, 0);

    down.delete(C);
    await r.caughtUp(5000);
    assert.deepEqual(await get(C, id), await get(A, id));
    assert.equal(await get(C, other), undefined);
    // In the order written: v = 1..5 for the item.
    const toC = applied.filter((event) => event.to === C && (event.keys.pk as { S: string }).S === `item#${id}`);
    assert.equal(toC.length, 5);
  } finally {
    await r.stop();
  }
});

test('conflicting writes of one item in two regions at once converge to the same value everywhere', async () => {
  const { started } = replicator();
  const r = await started;
  try {
    const ids = Array.from({ length: 5 }, newId);
    await Promise.all(ids.flatMap((id) => [put(A, id, { from: { S: A } }), put(B, id, { from: { S: B } })]));
    await r.caughtUp(5000);
    for (const id of ids) {
      const values = await Promise.all(REGIONS.map((region) => get(region, id)));
      assert.ok(values[0], 'the item exists');
      assert.deepEqual(values[1], values[0], `item ${id}: ${JSON.stringify(values)}`);
      assert.deepEqual(values[2], values[0], `item ${id}: ${JSON.stringify(values)}`);
    }
    // A later write in the same second still wins over the replicated one (versions are bumped).
    const id = ids[0]!;
    await put(C, id, { from: { S: 'last' } });
    await r.caughtUp(5000);
    for (const region of REGIONS) assert.equal((await get(region, id))?.from?.S, 'last');
  } finally {
    await r.stop();
  }
});

test('a restart with a data dir resumes from the checkpoint: writes made while stopped are not lost', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'repl-test-'));
  try {
    const first = replicator({ dataDir });
    const r1 = await first.started;
    const id = newId();
    await put(A, id, { v: { N: '1' } });
    await r1.caughtUp(5000);
    await r1.stop();
    const checkpoint = JSON.parse(await readFile(join(dataDir, 'replication', `${A}.json`), 'utf8')) as { streamArn: string };
    assert.match(checkpoint.streamArn, new RegExp(TABLE));

    // While stopped: an update in A, a new item in B.
    await put(A, id, { v: { N: '2' } });
    const other = newId();
    await put(B, other, { v: { N: '7' } });

    const second = replicator({ dataDir });
    const r2 = await second.started;
    try {
      await r2.caughtUp(5000);
      for (const region of REGIONS) {
        assert.equal((await get(region, id))?.v?.N, '2', region);
        assert.equal((await get(region, other))?.v?.N, '7', region);
      }
      // Only what was written while stopped was sent again: 2 writes x 2 targets.
      assert.equal(second.applied.length, 4);
    } finally {
      await r2.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('empty maps (a key without tags) replicate as empty maps, and an extra delay holds writes back', async () => {
  const { started, applied } = replicator({ delayMs: 400 });
  const r = await started;
  try {
    const id = newId();
    const written = Date.now();
    await put(A, id, { tags: { M: {} }, nested: { M: { inner: { M: {} } } } });
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(await get(B, id), undefined, 'not applied before the delay');
    await r.caughtUp(5000);
    assert.deepEqual(await get(B, id), await get(A, id));
    assert.deepEqual((await get(C, id))?.tags, { M: {} });
    assert.ok(applied.every((event) => event.appliedAt - written >= 400), 'every apply waited for the delay');
  } finally {
    await r.stop();
  }
});
