/**
 * Ctrl-C stops `npm start` quietly: the terminal's SIGINT reaches the whole process group (the service,
 * DynamoDB Local, tsx), and the service stops in order, with no error on the way (no replication errors
 * while DynamoDB Local goes down) and exit code 0, leaving neither its runtime file nor its lock.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const START = fileURLToPath(new URL('../../infra/local/start.mjs', import.meta.url));

test('Ctrl-C (SIGINT to the process group) stops npm start quietly', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kms-ctrl-c-'));
  try {
    const child = spawn(process.execPath, [START], {
      env: { ...process.env, KMS_PORT: '0', KMS_DYNAMODB_PORT: '0', KMS_DATA_DIR: dataDir, KMS_REGIONS: 'us-east-1,us-west-2', KMS_CREDENTIALS_FILE: '', LOG_LEVEL: 'INFO' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, as a terminal's foreground job
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Ctrl-C stops it.')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited (${code}): ${stderr}`)));
    });
    const endpoint = /^KMS endpoint: (\S+)$/m.exec(stdout)![1]!;
    // Some traffic, so that replication has work in flight.
    for (let i = 0; i < 5; i++) await fetch(`${endpoint}/health`);
    process.kill(-child.pid!, 'SIGINT');
    assert.equal(await exited, 0, stderr);
    const errors = stderr.split('\n').filter((line) => /"level":"ERROR"|Error:|\bat /.test(line));
    assert.deepEqual(errors, [], 'nothing went wrong on the way down');
    assert.equal(existsSync(join(dataDir, 'runtime.json')), false);
    assert.equal(existsSync(join(dataDir, 'service.lock')), false);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
