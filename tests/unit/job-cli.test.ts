/** `npm run job` interrupted: it says that the job goes on inside the service (it cannot be recalled). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

test('Ctrl-C while a job runs says the job finishes inside the service, and exits 130', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kms-job-cli-'));
  let arrived!: () => void;
  const requested = new Promise<void>((resolve) => (arrived = resolve));
  // A service whose job takes forever: the request arrives and is never answered.
  const server = createServer(() => arrived());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    writeFileSync(join(dataDir, 'admin-token'), 'token\n');
    writeFileSync(join(dataDir, 'runtime.json'), JSON.stringify({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
    const cli = fileURLToPath(new URL('../../infra/local/job-cli.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'rotation', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await requested;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 130);
    assert.match(stderr, /the job goes on inside the service and finishes there/);
  } finally {
    server.closeAllConnections();
    server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
