/**
 * Keeps the local audit trail (`<dataDir>/audit/<YYYY-MM-DD>.jsonl`, shared/adapters/file-sinks.ts)
 * bounded: closed day files (before today, UTC) are compressed to `<day>.jsonl.gz`, day files older than
 * `retentionDays` are deleted, and then the oldest files go until the trail is under `maxBytes` (today's
 * open file is never touched). `npm run audit` reads compressed files too. `npm start` runs it at start
 * and every hour (KMS_AUDIT_RETENTION_DAYS, default 90; KMS_AUDIT_MAX_MB, default 1024).
 *
 * A record can still arrive for a closed day (a job run "as of" another day, or one written just after
 * midnight): the day file is renamed before it is read, so such a record lands in the renamed file while
 * it settles (an API process's open descriptor) or starts a fresh file (the sink opens a removed file
 * again by its name), which a later run compresses too, as another gzip member appended to the same
 * `.gz` (gzip readers read every member).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export interface AuditRetention {
  retentionDays: number;
  maxBytes: number;
}

export interface RetentionReport {
  compressed: string[];
  deleted: string[];
  bytes: number;
}

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl(\.gz)?$/;
const DAY_MS = 86_400_000;
/** How long a renamed day file is left before it is read: appends already on their way land first. */
const SETTLE_MS = 500;

export async function enforceAuditRetention(dir: string, policy: AuditRetention, now: Date = new Date()): Promise<RetentionReport> {
  const report: RetentionReport = { compressed: [], deleted: [], bytes: 0 };
  const today = now.toISOString().slice(0, 10);
  const oldestKept = new Date(now.getTime() - policy.retentionDays * DAY_MS).toISOString().slice(0, 10);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return report; // no audit records yet
  }

  // 1. Compress closed days (rename first: a late record for that day then starts a new file).
  const closed = names.filter((name) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(name) && name.slice(0, 10) < today);
  if (closed.length > 0) {
    for (const name of closed) await rename(join(dir, name), join(dir, `${name}.compressing`));
    await new Promise((r) => setTimeout(r, SETTLE_MS));
  }
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.jsonl.compressing'))) {
    const day = name.slice(0, 10);
    // Appended as a new gzip member: a day compressed before keeps what it had.
    await pipeline(createReadStream(join(dir, name)), createGzip(), createWriteStream(join(dir, `${day}.jsonl.gz`), { flags: 'a' }));
    await rm(join(dir, name));
    report.compressed.push(day);
  }

  // 2. Age, then size (oldest day first; today's file stays whatever its size).
  const files: { name: string; day: string; bytes: number }[] = [];
  for (const name of await readdir(dir)) {
    const match = DAY_FILE.exec(name);
    if (!match) continue;
    files.push({ name, day: match[1]!, bytes: (await stat(join(dir, name))).size });
  }
  files.sort((a, b) => (a.day === b.day ? a.name.localeCompare(b.name) : a.day < b.day ? -1 : 1));
  let total = files.reduce((sum, file) => sum + file.bytes, 0);
  for (const file of files) {
    const tooOld = file.day < oldestKept;
    const tooBig = total > policy.maxBytes && file.day < today;
    if (!tooOld && !tooBig) continue;
    await rm(join(dir, file.name), { force: true });
    total -= file.bytes;
    report.deleted.push(file.name);
  }
  report.bytes = total;
  return report;
}
