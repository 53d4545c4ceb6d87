/**
 * The operator commands (`npm run job|region|events|audit|credentials`) answer `--help` with their usage
 * (exit 0) and an unknown option with what is wrong and the usage (exit 2), never a stack trace;
 * `events` says when there are none.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const COMMANDS = ['job', 'region', 'events', 'audit', 'credentials'];

function run(command: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = fileURLToPath(new URL(`../../infra/local/${command}-cli.ts`, import.meta.url));
  return new Promise((resolve) =>
    execFile(process.execPath, ['--import', 'tsx', cli, ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
    ),
  );
}

for (const command of COMMANDS) {
  test(`npm run ${command} -- --help prints the usage; an unknown option is refused plainly`, async () => {
    const help = await run(command, ['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, new RegExp(`^usage: npm run ${command} -- `));
    const bad = await run(command, ['--bogus']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unknown option '--bogus'\nusage: /);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  });
}

test('npm run events says when there are no events', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kms-events-cli-'));
  try {
    const none = await run('events', [], { KMS_DATA_DIR: dataDir });
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /^No events in .*events\.jsonl\.\n$/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
