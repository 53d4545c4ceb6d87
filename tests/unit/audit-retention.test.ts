/** The local audit trail's retention (infra/local/audit-retention.ts), and `npm run audit` over compressed days. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { enforceAuditRetention } from '../../infra/local/audit-retention.js';

const NOW = new Date('2026-12-04T12:00:00Z');
const record = (day: string, n: number) => JSON.stringify({ eventTime: `${day}T10:00:0${n}Z`, eventName: 'Encrypt', requestParameters: { keyId: 'k-1' }, n }) + '\n';

describe('audit retention', () => {
  it('compresses closed days (again as a new member), deletes old days, keeps today, and npm run audit reads it all', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kms-audit-retention-'));
    const dir = join(dataDir, 'audit');
    mkdirSync(dir);
    try {
      writeFileSync(join(dir, '2026-08-01.jsonl'), record('2026-08-01', 1)); // older than 90 days
      writeFileSync(join(dir, '2026-12-02.jsonl'), record('2026-12-02', 1));
      writeFileSync(join(dir, '2026-12-04.jsonl'), record('2026-12-04', 1)); // today: open
      writeFileSync(join(dir, 'service-event-ids.jsonl'), '{"id":"x"}\n');
      const first = await enforceAuditRetention(dir, { retentionDays: 90, maxBytes: 1 << 30 }, NOW);
      assert.deepEqual(first.compressed.sort(), ['2026-08-01', '2026-12-02']);
      assert.deepEqual(first.deleted, ['2026-08-01.jsonl.gz']);
      assert.deepEqual(readdirSync(dir).sort(), ['2026-12-02.jsonl.gz', '2026-12-04.jsonl', 'service-event-ids.jsonl']);

      // A late record for a closed day starts a new file; the next run appends it to the .gz.
      appendFileSync(join(dir, '2026-12-02.jsonl'), record('2026-12-02', 2));
      await enforceAuditRetention(dir, { retentionDays: 90, maxBytes: 1 << 30 }, NOW);
      assert.equal(existsSync(join(dir, '2026-12-02.jsonl')), false);
      const lines = gunzipSync(readFileSync(join(dir, '2026-12-02.jsonl.gz'))).toString().trim().split('\n');
      assert.deepEqual(lines.map((l) => JSON.parse(l).n), [1, 2]);

      const cli = fileURLToPath(new URL('../../infra/local/audit-cli.ts', import.meta.url));
      const out = execFileSync(process.execPath, ['--import', 'tsx', cli, '--key-id', 'k-1', '--data-dir', dataDir], { encoding: 'utf8' });
      assert.deepEqual(out.trim().split('\n').map((l) => JSON.parse(l).eventTime), ['2026-12-02T10:00:01Z', '2026-12-02T10:00:02Z', '2026-12-04T10:00:01Z']);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('deletes the oldest days until the trail fits its size limit, never today\'s file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-audit-size-'));
    try {
      const big = 'x'.repeat(4000);
      for (const day of ['2026-12-01', '2026-12-02', '2026-12-03']) writeFileSync(join(dir, `${day}.jsonl.gz`), big);
      writeFileSync(join(dir, '2026-12-04.jsonl'), big + big);
      const report = await enforceAuditRetention(dir, { retentionDays: 90, maxBytes: 9000 }, NOW);
      assert.deepEqual(report.deleted, ['2026-12-01.jsonl.gz', '2026-12-02.jsonl.gz', '2026-12-03.jsonl.gz']);
      assert.deepEqual(readdirSync(dir), ['2026-12-04.jsonl']);
      assert.equal(report.bytes, 8000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
