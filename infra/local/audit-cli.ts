/**
 * `npm run audit -- --key-id <id|arn> [--since <ISO>] [--until <ISO>] [--data-dir <dir>]`: the audit
 * records of the local service (KMS_DATA_DIR, default ./.kms-data) that concern a key, as JSON lines
 * sorted by eventTime: "who used key X between T1 and T2". Reads only the day files of the range.
 */
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { auditDir } from '../../shared/adapters/file-sinks.js';
import { dayFilesInRange, recordInRange, recordNamesKey } from '../../shared/audit/query.js';
import { parseCommandLine } from './admin-client.js';

const USAGE = 'usage: npm run audit -- --key-id <key id or key ARN> [--since <ISO time>] [--until <ISO time>] [--table] [--data-dir <dir>]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function time(name: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) fail(`--${name}: not an ISO 8601 time: '${value}'`);
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(USAGE, {
    options: {
      'key-id': { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      'data-dir': { type: 'string' },
      table: { type: 'boolean' },
    },
    strict: true,
  });
  const keyId = values['key-id'];
  if (!keyId) fail('--key-id is required');
  const since = time('since', values.since);
  const until = time('until', values.until);
  if (since && until && since > until) fail('--since is after --until');
  const dir = auditDir(resolve(values['data-dir'] || process.env.KMS_DATA_DIR || '.kms-data'));

  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return; // no audit records yet
  }
  const found: { time: number; line: string; record: Record<string, unknown> }[] = [];
  for (const name of dayFilesInRange(names, since, until)) {
    const file = createReadStream(join(dir, name));
    const lines = createInterface({ input: name.endsWith('.gz') ? file.pipe(createGunzip()) : file, crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue; // a torn last line (crash mid-write)
      }
      if (recordInRange(record, since, until) && recordNamesKey(record, keyId)) {
        found.push({ time: Date.parse(record.eventTime as string), line, record });
      }
    }
  }
  // Stable: records of the same second stay in the order they were written.
  found.sort((a, b) => a.time - b.time);
  if (values.table) return printTable(found.map((f) => f.record));
  for (const { line } of found) process.stdout.write(line + '\n');
}

/** `--table`: one line per record, who did what when and how it ended, in aligned columns. */
function printTable(records: Record<string, unknown>[]): void {
  const rows = records.map((r) => {
    const identity = (r.userIdentity ?? {}) as { arn?: string; invokedBy?: string };
    return [String(r.eventTime ?? ''), identity.arn ?? identity.invokedBy ?? String(r.eventType ?? ''), String(r.eventName ?? ''), String(r.awsRegion ?? ''), r.errorCode ? String(r.errorCode) : 'ok'];
  });
  const header = ['time', 'who', 'what', 'region', 'result'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ');
  process.stdout.write([line(header), ...rows.map(line)].join('\n') + '\n');
  if (rows.length === 0) process.stderr.write('No audit records of that key in that time range.\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`audit: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
