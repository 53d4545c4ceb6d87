/**
 * KMS_WORKERS: `npm start` serving the API from several processes on one port. Each worker caches keys,
 * aliases, grants and credentials, so what matters is that none serves from a stale copy: a write through
 * any process (a worker, or the operator routes and jobs of the service process) is forgotten by every
 * other before it is acknowledged. Each step below goes through another connection, and node:cluster
 * hands connections to the workers in turn, so consecutive steps are answered by different workers.
 * (Without the announcements the caches' TTL, 5 s here, would serve the old state and these fail.)
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { KMS } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { PRINCIPALS, type TestPrincipal } from './principals.js';

const START = fileURLToPath(new URL('../../infra/local/start.mjs', import.meta.url));
const CREDENTIALS = fileURLToPath(new URL('../fixtures/credentials.json', import.meta.url));
const CONNECTIONS = 4;

let child: ChildProcess;
let endpoint: string;
let dataDir: string;
let stdout = '';
let stderr = '';

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'kms-workers-'));
  child = spawn(process.execPath, [START], {
    env: {
      ...process.env,
      KMS_WORKERS: '2',
      KMS_PORT: '0',
      KMS_DYNAMODB_PORT: '0',
      KMS_DATA_DIR: dataDir,
      KMS_REGIONS: 'us-east-1',
      KMS_CREDENTIALS_FILE: CREDENTIALS,
      KMS_JOB_INTERVAL_MS: '0',
      KMS_CACHE_TTL_MS: '5000',
      KMS_CREDENTIAL_CACHE_TTL_MS: '5000',
      LOG_LEVEL: 'WARN',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('Ctrl-C stops it.')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}): ${stderr}`)));
  });
  endpoint = /^KMS endpoint: (\S+)$/m.exec(stdout)![1]!;
});

after(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Clients of one principal, each on its own single keep-alive connection (so on its own worker, in turn). */
function clientsOf(principal: TestPrincipal): KMS[] {
  return Array.from(
    { length: CONNECTIONS },
    () =>
      new KMS({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: principal.accessKeyId, secretAccessKey: principal.secretAccessKey, sessionToken: principal.sessionToken },
        maxAttempts: 1,
        requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, maxSockets: 1 }) }),
      }),
  );
}

/** The next client in turn: consecutive calls go through different connections. */
function rotation(clients: KMS[]) {
  let next = 0;
  return () => clients[next++ % clients.length]!;
}

async function admin(path: string, body: object = {}, timeoutMs = 30_000): Promise<{ status: number; body: Record<string, unknown> }> {
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const response = await fetch(`${endpoint}${path}`, {
    signal: AbortSignal.timeout(timeoutMs),
    method: path === '/!admin/stats' ? 'GET' : 'POST',
    headers: { 'x-kms-admin-token': token, 'content-type': 'application/json' },
    body: path === '/!admin/stats' ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const PLAINTEXT = Buffer.from('hello workers');

describe('KMS_WORKERS=2', () => {
  test('prints how many processes serve the API, and /health answers through a worker', async () => {
    assert.match(stdout, /^API processes: 2 /m);
    const health = await fetch(`${endpoint}/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
  });

  test('every worker sees a key state change at once, whichever worker made it', async () => {
    const root = rotation(clientsOf(PRINCIPALS.root));
    const { KeyMetadata } = await root().createKey({});
    const KeyId = KeyMetadata!.KeyId!;
    for (let round = 0; round < 6; round++) {
      // Warm every connection's worker with the key enabled, then change it through one and use it through the rest.
      for (let i = 0; i < CONNECTIONS; i++) await root().encrypt({ KeyId, Plaintext: PLAINTEXT });
      await root().disableKey({ KeyId });
      for (let i = 0; i < CONNECTIONS - 1; i++) {
        await assert.rejects(root().encrypt({ KeyId, Plaintext: PLAINTEXT }), { name: 'DisabledException' }, `round ${round}, step ${i}`);
      }
      await root().enableKey({ KeyId });
      for (let i = 0; i < CONNECTIONS; i++) await root().encrypt({ KeyId, Plaintext: PLAINTEXT });
    }
  });

  test('an alias moved through one worker resolves to its new key on the others', async () => {
    const root = rotation(clientsOf(PRINCIPALS.root));
    const first = (await root().createKey({})).KeyMetadata!.KeyId!;
    const second = (await root().createKey({})).KeyMetadata!.KeyId!;
    const AliasName = `alias/workers-${Date.now()}`;
    await root().createAlias({ AliasName, TargetKeyId: first });
    for (let i = 0; i < CONNECTIONS; i++) assert.match((await root().encrypt({ KeyId: AliasName, Plaintext: PLAINTEXT })).KeyId!, new RegExp(first));
    await root().updateAlias({ AliasName, TargetKeyId: second });
    for (let i = 0; i < CONNECTIONS; i++) assert.match((await root().encrypt({ KeyId: AliasName, Plaintext: PLAINTEXT })).KeyId!, new RegExp(second));
    await root().deleteAlias({ AliasName });
    for (let i = 0; i < CONNECTIONS; i++) await assert.rejects(root().encrypt({ KeyId: AliasName, Plaintext: PLAINTEXT }), { name: 'NotFoundException' });
  });

  test('a grant made or revoked through one worker counts on the others at once (no grant token)', async () => {
    const root = rotation(clientsOf(PRINCIPALS.root));
    const alice = rotation(clientsOf(PRINCIPALS.alice));
    // A policy that admits the root alone (the default one lets the account's IAM users in).
    const rootOnly = { Effect: 'Allow', Principal: { AWS: PRINCIPALS.root.arn }, Action: 'kms:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalArn': PRINCIPALS.root.arn } } };
    const KeyId = (await root().createKey({ Policy: JSON.stringify({ Version: '2012-10-17', Statement: [rootOnly] }) })).KeyMetadata!.KeyId!;
    // Every worker remembers that alice has no grant on the key.
    for (let i = 0; i < CONNECTIONS; i++) await assert.rejects(alice().encrypt({ KeyId, Plaintext: PLAINTEXT }), { name: 'AccessDeniedException' });
    const { GrantId } = await root().createGrant({ KeyId, GranteePrincipal: PRINCIPALS.alice.arn, Operations: ['Encrypt'] });
    for (let i = 0; i < CONNECTIONS; i++) await alice().encrypt({ KeyId, Plaintext: PLAINTEXT });
    await root().revokeGrant({ KeyId, GrantId: GrantId! });
    for (let i = 0; i < CONNECTIONS; i++) await assert.rejects(alice().encrypt({ KeyId, Plaintext: PLAINTEXT }), { name: 'AccessDeniedException' });
  });

  test("a key's last use is the newest any worker knows, written yet or not", async () => {
    const clients = clientsOf(PRINCIPALS.root);
    const KeyId = (await clients[0]!.createKey({})).KeyMetadata!.KeyId!;
    const { CiphertextBlob } = await clients[0]!.encrypt({ KeyId, Plaintext: PLAINTEXT });
    // Each use through another connection (so, in turn, another worker); every connection then sees it.
    for (let round = 0; round < 2; round++) {
      for (const [i, client] of clients.entries()) {
        const operation = i % 2 === 0 ? 'Decrypt' : 'GenerateDataKey';
        const answer = operation === 'Decrypt' ? await client.decrypt({ CiphertextBlob }) : await client.generateDataKey({ KeyId, KeySpec: 'AES_256' });
        for (const reader of clients) {
          const { KeyLastUsage } = await reader.getKeyLastUsage({ KeyId });
          assert.equal(KeyLastUsage?.Operation, operation, `round ${round}, use ${i}`);
          assert.equal(KeyLastUsage?.KmsRequestId, answer.$metadata.requestId);
        }
      }
    }
  });

  test('the operator routes reach every worker: a disabled credential, a region taken down, a reset', async () => {
    const root = rotation(clientsOf(PRINCIPALS.root));
    const bob = rotation(clientsOf(PRINCIPALS.bob));
    const KeyId = (await root().createKey({})).KeyMetadata!.KeyId!;
    for (let i = 0; i < CONNECTIONS; i++) await bob().listKeys({});
    assert.equal((await admin(`/!admin/credentials/${PRINCIPALS.bob.accessKeyId}/disable`)).status, 200);
    for (let i = 0; i < CONNECTIONS; i++) await assert.rejects(bob().listKeys({}), { name: 'UnrecognizedClientException' });
    assert.equal((await admin(`/!admin/credentials/${PRINCIPALS.bob.accessKeyId}/enable`)).status, 200);
    for (let i = 0; i < CONNECTIONS; i++) await bob().listKeys({});

    assert.equal((await admin('/!admin/regions/us-east-1/down')).status, 200);
    for (let i = 0; i < CONNECTIONS; i++) await assert.rejects(root().listKeys({}), { name: 'ServiceUnavailableException' });
    assert.equal((await admin('/!admin/regions/us-east-1/up')).status, 200);
    for (let i = 0; i < CONNECTIONS; i++) await root().encrypt({ KeyId, Plaintext: PLAINTEXT });

    assert.equal((await admin('/!admin/reset')).status, 200);
    for (let i = 0; i < CONNECTIONS; i++) await assert.rejects(root().encrypt({ KeyId, Plaintext: PLAINTEXT }), { name: 'NotFoundException' });
  });

  test('the stats add up every process; a worker that dies is replaced and the port keeps answering', async () => {
    const stats = await admin('/!admin/stats');
    assert.equal(stats.body.processes, 3);
    const workers = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(child.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => /\bnode\b/.test(line))
      .map((line) => Number(line.trim().split(/\s+/)[0]));
    assert.equal(workers.length, 2, 'two worker processes');
    process.kill(workers[0]!, 'SIGKILL');
    const root = rotation(clientsOf(PRINCIPALS.root));
    // A connection node:cluster handed to the worker in the instant it died is lost with it (a client
    // retries, as the SDKs do): each try has its own deadline. Then the replacement joins.
    const started = Date.now();
    for (;;) {
      const seen = await admin('/!admin/stats', {}, 2000).catch(() => undefined);
      if (seen?.body.processes === 3) break;
      assert.ok(Date.now() - started < 20_000, 'a replacement worker joined within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const KeyId = (await root().createKey({})).KeyMetadata!.KeyId!;
    for (let i = 0; i < CONNECTIONS * 2; i++) await root().encrypt({ KeyId, Plaintext: PLAINTEXT });
    assert.match(stderr, /an API worker exited; starting another/);
  });
});

test('KMS_WORKERS must be a positive whole number: anything else stops the start, naming it', async () => {
  for (const value of ['0', 'two', '1.5']) {
    const run = promisify(execFile)(process.execPath, [START], { env: { ...process.env, KMS_WORKERS: value, KMS_PORT: '0', KMS_DYNAMODB_PORT: '0', KMS_DATA_DIR: join(tmpdir(), 'kms-workers-never') } });
    await assert.rejects(run, (error: { code: number; stderr: string }) => error.code === 1 && error.stderr.includes(`KMS_WORKERS must be a positive integer, got '${value}'`));
  }
});
