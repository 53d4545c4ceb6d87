/**
 * The package as another project uses it (issue 16, item 2): `npm pack`, the tarball installed into a
 * throw-away project (with @aws-sdk/client-kms, from npm's cache where it can), whose own script starts
 * the service with `startKms()`, serves an Encrypt and a Decrypt, resets and stops it; and
 * `npx kms-local start --port 0` prints a usable endpoint as a JSON line.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const NPM = 'npm';

describe('the packed package in a throw-away project', { timeout: 300_000 }, () => {
  let dir = '';
  let project = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kms-pack-'));
    await run(NPM, ['pack', '--pack-destination', dir, '--silent'], { cwd: ROOT, timeout: 120_000 });
    const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack made a tarball');
    project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'throwaway', private: true, type: 'module' }));
    const { version } = (await import('@aws-sdk/client-kms/package.json', { with: { type: 'json' } })).default as { version: string };
    await run(NPM, ['install', join(dir, tarball), `@aws-sdk/client-kms@${version}`, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, timeout: 240_000 });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('its test starts the service with startKms(), encrypts, decrypts, resets and stops it', async () => {
    writeFileSync(
      join(project, 'use.mjs'),
      `import { startKms } from 'kms-local';
import { KMS } from '@aws-sdk/client-kms';
const kms = await startKms();
try {
  const client = new KMS({ endpoint: kms.endpoint, region: kms.region, credentials: kms.credentials });
  const { KeyMetadata } = await client.createKey({});
  const { CiphertextBlob } = await client.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: Buffer.from('from another project') });
  const { Plaintext } = await client.decrypt({ CiphertextBlob });
  await kms.reset();
  const { Keys } = await client.listKeys({});
  console.log(JSON.stringify({ roundTrip: Buffer.from(Plaintext).toString(), keysAfterReset: Keys.length }));
} finally {
  await kms.stop();
}
`,
    );
    const { stdout } = await run(process.execPath, ['use.mjs'], { cwd: project, timeout: 120_000 });
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').at(-1)!), { roundTrip: 'from another project', keysAfterReset: 0 });
    // It ran the launcher's esbuild bundle (infra/local/bundle.mjs), built inside the installed package.
    const cache = join(project, 'node_modules', 'kms-local', 'node_modules', '.cache', 'kms-local');
    assert.ok(readdirSync(cache).some((name) => /^infra_local_launcher-[0-9a-f]{16}\.mjs$/.test(name)), `no launcher bundle in ${cache}`);
  });

  it('npx kms-local start --port 0 prints a usable endpoint as a JSON line, and stops on SIGTERM', async () => {
    // Its own process group: SIGTERM goes to npx and to the service it runs, as a terminal's Ctrl-C would.
    const child = spawn('npx', ['--no-install', 'kms-local', 'start', '--port', '0'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let endpoint = '';
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const newline = out.indexOf('\n');
          if (newline >= 0) resolve(out.slice(0, newline));
        });
        child.once('exit', (code) => reject(new Error(`kms-local exited (${code}) before printing its endpoint`)));
      });
      const started = JSON.parse(line) as { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string; dataDir: string };
      endpoint = started.endpoint;
      assert.match(started.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.deepEqual([started.region, started.accessKeyId, started.secretAccessKey], ['us-east-1', 'test', 'test']);
      const health = await fetch(`${started.endpoint}/health`);
      assert.equal(health.status, 200);
    } finally {
      const exited = new Promise<unknown>((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
    // The service stopped: its endpoint no longer answers.
    let answering = true;
    for (let i = 0; i < 100 && answering; i++) {
      answering = await fetch(`${endpoint}/health`).then(() => true, () => false);
      if (answering) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(answering, false, 'the service stops on SIGTERM');
  });
});
