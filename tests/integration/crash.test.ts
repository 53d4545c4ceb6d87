/**
 * A kill -9 of the service right after a burst of acknowledged updates loses nothing: after a restart
 * on the same data directory and a replication sync, every update is there, in the key's region and in
 * the other region's replica of the table, and every acknowledged request has its audit record.
 * A kill -9 of DynamoDB Local under load: requests answer 503 DependencyTimeoutException (never a 500)
 * until the service has restarted it, then are served again, and nothing acknowledged is lost.
 * Runs its own service (a child process: it is SIGKILLed), in two replicated regions.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { KMS } from '@aws-sdk/client-kms';

const START = fileURLToPath(new URL('../../infra/local/start.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REGIONS = ['us-east-1', 'us-west-2'];

interface Running {
  child: ChildProcess;
  endpoint: string;
  dynamodb: string;
}

function start(dataDir: string): Promise<Running> {
  const child = spawn(process.execPath, [START], {
    cwd: ROOT,
    env: {
      ...process.env,
      KMS_PORT: '0',
      KMS_DYNAMODB_PORT: '0',
      KMS_DATA_DIR: dataDir,
      KMS_REGIONS: REGIONS.join(','),
      KMS_JOB_INTERVAL_MS: '0',
      KMS_CREDENTIALS_FILE: '',
      KMS_BASE_PATH: '',
      AWS_REGION: 'us-east-1',
      LOG_LEVEL: 'WARN',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${output}`)), 90_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const endpoint = /^KMS endpoint: (\S+)$/m.exec(output)?.[1];
      const dynamodb = /^DynamoDB Local: (\S+)$/m.exec(output)?.[1];
      if (endpoint && dynamodb) {
        clearTimeout(timer);
        resolve({ child, endpoint, dynamodb });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}): ${output}`)));
  });
}

/** SIGKILL, and wait until DynamoDB Local (killed by the launcher's watchdog) no longer answers. */
async function kill9(running: Running): Promise<void> {
  const exited = new Promise((r) => running.child.once('exit', r));
  running.child.kill('SIGKILL');
  await exited;
  for (let i = 0; i < 100; i++) {
    const alive = await fetch(running.dynamodb).then(() => true, () => false);
    if (!alive) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('DynamoDB Local outlived the killed service');
}

async function admin(running: Running, dataDir: string, path: string, body: unknown = {}) {
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const response = await fetch(`${running.endpoint}${path}`, { method: 'POST', headers: { 'x-kms-admin-token': token }, body: JSON.stringify(body) });
  assert.equal(response.status, 200, await response.text());
}

function auditRequestIds(dataDir: string): Set<string> {
  const dir = join(dataDir, 'audit');
  const ids = new Set<string>();
  for (const name of readdirSync(dir).filter((n) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(n))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (!line) continue;
      try {
        ids.add((JSON.parse(line) as { requestID?: string }).requestID ?? '');
      } catch {
        // a torn last line
      }
    }
  }
  return ids;
}

describe('kill -9 of the service', { timeout: 300_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kms-crash-'));
  let running: Running | undefined;
  after(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) await kill9(running);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('loses no acknowledged update and no audit record, in either region, over two crashes', async () => {
    running = await start(dataDir);
    const client = (r: Running) => new KMS({ endpoint: r.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    const { KeyMetadata } = await client(running).createKey({ Description: 'created' });
    const keyId = KeyMetadata!.KeyId!;
    await admin(running, dataDir, '/!admin/replication/sync');

    const acknowledged: string[] = [];
    let expectedTags = 0;
    let lastDescription = 'created';
    for (let crash = 1; crash <= 2; crash++) {
      const kms = client(running);
      for (let round = 0; round < 8; round++) {
        const tags = Array.from({ length: 3 }, (_, i) => ({ TagKey: `c${crash}-r${round}-t${i}`, TagValue: `v${round}` }));
        acknowledged.push((await kms.tagResource({ KeyId: keyId, Tags: tags })).$metadata.requestId!);
        lastDescription = `crash ${crash} round ${round}`;
        acknowledged.push((await kms.updateKeyDescription({ KeyId: keyId, Description: lastDescription })).$metadata.requestId!);
        expectedTags += 3; // 48 over both crashes: AWS allows 50 tags per key
      }
      kms.destroy();
      await kill9(running);
      running = await start(dataDir);
      await admin(running, dataDir, '/!admin/replication/sync');

      const { Tags } = await client(running).listResourceTags({ KeyId: keyId, Limit: 50 });
      const listed = Tags?.length ?? 0;
      // ListResourceTags pages at 50: count what is stored instead, in both regions' tables.
      for (const region of REGIONS) {
        const db = DynamoDBDocumentClient.from(
          new DynamoDBClient({ endpoint: running.dynamodb, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
        );
        const { Item } = await db.send(new GetCommand({ TableName: 'kms', Key: { pk: `KEY#us-east-1#${keyId}`, sk: 'META' }, ConsistentRead: true }));
        db.destroy();
        assert.ok(Item, `${region}: the key item`);
        const stored = JSON.stringify(Item);
        const tagCount = (stored.match(/"c\d-r\d-t\d"/g) ?? []).length;
        assert.equal(tagCount, expectedTags, `${region} after crash ${crash}: every acknowledged tag`);
        assert.ok(stored.includes(`"${lastDescription}"`), `${region} after crash ${crash}: the last description`);
      }
      assert.equal(listed, Math.min(expectedTags, 50));
      const audited = auditRequestIds(dataDir);
      const missing = acknowledged.filter((id) => !audited.has(id));
      assert.deepEqual(missing, [], `after crash ${crash}: every acknowledged request has its audit record`);
    }
  });
});

describe('kill -9 of DynamoDB Local under load', { timeout: 300_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kms-outage-'));
  let running: Running | undefined;
  after(async () => {
    if (running && running.child.exitCode === null && running.child.signalCode === null) await kill9(running);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('answers 503 while it is down, serves again once restarted, loses nothing acknowledged', async () => {
    running = await start(dataDir);
    const endpoint = running.endpoint;
    const kms = new KMS({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    // GET /health, as compose files and CI waits probe it: 200 ok, 503 while DynamoDB Local is down.
    const health = async () => {
      const response = await fetch(`${endpoint}/health`);
      const body = (await response.json()) as { status: string; dynamodb: string; regions: string[]; dynamodbRestarts: number };
      assert.equal(response.status, body.status === 'ok' ? 200 : 503, JSON.stringify(body));
      assert.equal(body.dynamodb === 'ok', body.status === 'ok');
      return body;
    };
    const first = await health();
    assert.equal(first.status, 'ok');
    assert.deepEqual(first.regions, REGIONS);
    const { KeyMetadata } = await kms.createKey({});
    const keyId = KeyMetadata!.KeyId!;

    const outcomes = new Map<string, number>();
    const created: string[] = [];
    const tagged: string[] = [];
    let stop = false;
    let round = 0;
    const load = async () => {
      while (!stop) {
        const n = round++;
        const call =
          n % 3 === 0
            ? kms.createKey({ Description: `outage ${n}` }).then((out) => void created.push(out.KeyMetadata!.KeyId!))
            : n % 3 === 1
              ? kms.tagResource({ KeyId: keyId, Tags: [{ TagKey: `t${n % 45}`, TagValue: `${n}` }] }).then(() => void tagged.push(`t${n % 45}=${n}`))
              : kms.encrypt({ KeyId: keyId, Plaintext: Buffer.from('x') }).then(() => undefined);
        const outcome = await call.then(
          () => 'ok',
          (error: { name?: string; $metadata?: { httpStatusCode?: number } }) => `${error.$metadata?.httpStatusCode ?? '?'} ${error.name}`,
        );
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        if (outcome !== 'ok') await new Promise((r) => setTimeout(r, 50));
      }
    };
    const workers = Array.from({ length: 4 }, load);
    await new Promise((r) => setTimeout(r, 1000));

    // DynamoDB Local is the java process whose command line names this data directory.
    const pid = execFileSync('pgrep', ['-f', `${dataDir}/dynamodb`], { encoding: 'utf8' }).trim().split('\n')[0]!;
    process.kill(Number(pid), 'SIGKILL');
    let sawDown = false;
    for (let i = 0; i < 200; i++) {
      const now = await health();
      if (now.status !== 'ok') sawDown = true;
      if (sawDown && now.status === 'ok') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(sawDown, 'the health endpoint reported the outage');
    const after = await health();
    assert.equal(after.status, 'ok', 'DynamoDB Local was restarted');
    assert.equal(after.dynamodbRestarts, 1);
    await new Promise((r) => setTimeout(r, 1000));
    stop = true;
    await Promise.all(workers);

    const kinds = Object.fromEntries(outcomes);
    for (const outcome of outcomes.keys()) assert.ok(outcome === 'ok' || outcome === '503 DependencyTimeoutException', `only successes and 503s: ${JSON.stringify(kinds)}`);
    assert.ok((outcomes.get('503 DependencyTimeoutException') ?? 0) > 0, `some requests met the outage: ${JSON.stringify(kinds)}`);
    // Served again without a restart of the service, and every acknowledged write is there.
    for (const id of created) assert.equal((await kms.describeKey({ KeyId: id })).KeyMetadata?.Description?.startsWith('outage '), true, id);
    const tags = new Map(((await kms.listResourceTags({ KeyId: keyId, Limit: 50 })).Tags ?? []).map((t) => [t.TagKey, t.TagValue]));
    const last = new Map<string, string>();
    for (const entry of tagged) {
      const [key, value] = entry.split('=') as [string, string];
      if (Number(value) > Number(last.get(key) ?? -1)) last.set(key, value);
    }
    for (const [key] of last) assert.ok(tags.has(key), `tag ${key} acknowledged and kept`);
    kms.destroy();
  });
});
