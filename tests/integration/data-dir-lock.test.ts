/**
 * One local service per data directory (infra/local/data-dir-lock.ts): a second start on the same
 * KMS_DATA_DIR is refused at once, naming the first one's pid and endpoint, and leaves the first one's
 * runtime file alone; after the first stops, the directory is free again.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startLocalService } from '../../infra/local/service.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

test('a second service on the same data directory is refused, naming the first; the first is undisturbed', { timeout: 120_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kms-lock-'));
  dirs.push(dataDir);
  const options = { port: 0, dynamodbPort: 0, dataDir, jobIntervalMs: 0, env: { KMS_REGIONS: 'us-east-1', LOG_LEVEL: 'ERROR' } };
  const first = await startLocalService(options);
  try {
    const began = performance.now();
    await assert.rejects(startLocalService(options), (error: Error) => {
      assert.match(error.message, new RegExp(`in use by another local KMS \\(pid ${process.pid}, endpoint ${first.endpoint.replace(/[.]/g, '\\.')}\\)`));
      return true;
    });
    assert.ok(performance.now() - began < 2000, 'refused before DynamoDB Local starts');
    const runtime = JSON.parse(await readFile(join(dataDir, 'runtime.json'), 'utf8')) as { endpoint: string };
    assert.equal(runtime.endpoint, first.endpoint, 'the refused start left the first one\'s runtime file');
    assert.equal((await fetch(`${first.endpoint}/health`)).status, 200);
  } finally {
    await first.stop();
  }
  assert.equal(existsSync(join(dataDir, 'service.lock')), false, 'the lock goes with the service');
  const next = await startLocalService(options);
  await next.stop();
});

test('a KMS port in use is refused before DynamoDB Local starts', { timeout: 30_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'kms-port-'));
  dirs.push(dataDir);
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as AddressInfo).port;
  try {
    const began = performance.now();
    await assert.rejects(startLocalService({ port, dynamodbPort: 0, dataDir, env: { LOG_LEVEL: 'ERROR' } }), {
      message: `Port ${port} on 127.0.0.1 for the KMS endpoint is in use (set KMS_PORT)`,
    });
    assert.ok(performance.now() - began < 1000, 'said before anything started');
    assert.equal(existsSync(join(dataDir, 'service.lock')), false);
  } finally {
    taken.close();
  }
});
