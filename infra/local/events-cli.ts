/**
 * `npm run events -- [--since <ISO>] [--until <ISO>]`: the EventBridge events the local service sent
 * (KMS CMK Rotation, KMS CMK Deletion, KMS Imported Key Material Expiration), as JSON lines, in the
 * order they were sent. Reads `<KMS_DATA_DIR>/events.jsonl` (default ./.kms-data).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { eventLogPath } from '../../shared/adapters/file-sinks.js';
import { parseCommandLine } from './admin-client.js';

const USAGE = 'usage: npm run events -- [--since <ISO time>] [--until <ISO time>] [--data-dir <dir>]';

async function main(): Promise<number> {
  const { values } = parseCommandLine(USAGE, { options: { since: { type: 'string' }, until: { type: 'string' }, 'data-dir': { type: 'string' } } });
  const since = instant(values.since, '--since');
  const until = instant(values.until, '--until');
  if (since === null || until === null) return 2;
  const dataDir = resolve(values['data-dir'] ?? process.env.KMS_DATA_DIR ?? '.kms-data');
  const text = await readFile(eventLogPath(dataDir), 'utf8').catch(() => '');
  let printed = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    let event: { time?: string };
    try {
      event = JSON.parse(line) as { time?: string };
    } catch {
      continue; // a torn last line
    }
    const time = Date.parse(event.time ?? '');
    if (since !== undefined && !(time >= since)) continue;
    if (until !== undefined && !(time <= until)) continue;
    process.stdout.write(line + '\n');
    printed++;
  }
  // Said on stderr, so that stdout stays JSON lines for a pipe.
  if (printed === 0) console.error(`No events${since !== undefined || until !== undefined ? ' in that time range' : ''} in ${eventLogPath(dataDir)}.`);
  return 0;
}

function instant(value: string | undefined, flag: string): number | undefined | null {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    console.error(`${flag} must be an ISO-8601 instant, got '${value}'`);
    return null;
  }
  return time;
}

main().then((code) => process.exit(code));
