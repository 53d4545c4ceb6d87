/** The running service's audit trail as the tests read it: the daily JSON-lines files in its data directory. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type AuditRecord = Record<string, any>;

export function dataDir(): string {
  const value = process.env.KMS_DATA_DIR;
  if (!value) throw new Error('KMS_DATA_DIR is not set (tests/run.ts sets it)');
  return value;
}

/** Every audit file's text, in day order. */
export function auditText(): string {
  const dir = join(dataDir(), 'audit');
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(n));
  } catch {
    return '';
  }
  return names.map((n) => readFileSync(join(dir, n), 'utf8')).join('');
}

export const auditRecords = (): AuditRecord[] =>
  auditText()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditRecord);

/** Records are written in batches shortly after the request: poll for up to 2 s. */
export async function waitForRecord(what: string, match: (r: AuditRecord) => boolean): Promise<AuditRecord> {
  const deadline = Date.now() + 2000;
  for (;;) {
    const found = auditRecords().find(match);
    if (found) return found;
    if (Date.now() > deadline) assert.fail(`no audit record of ${what} within 2 s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
