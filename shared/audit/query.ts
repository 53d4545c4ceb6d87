/**
 * "Who used key X between T1 and T2": which audit records name a key, and which day files can hold
 * records of a time range. Pure; infra/local/audit-cli.ts reads the files.
 */

/** Members of requestParameters that name a key. */
const KEY_PARAMETERS = ['keyId', 'targetKeyId', 'sourceKeyId', 'destinationKeyId'];

/**
 * Whether a record concerns the key `ref` (a key id or key ARN): a resource with that ARN (or whose ARN
 * ends with `/<id>`), or a request parameter naming it (so a failed call that resolved no key counts too).
 */
export function recordNamesKey(record: Record<string, unknown>, ref: string): boolean {
  const matches = (value: unknown) => typeof value === 'string' && (value === ref || value.endsWith('/' + ref));
  const resources = record.resources;
  if (Array.isArray(resources) && resources.some((r) => r && typeof r === 'object' && matches((r as { ARN?: unknown }).ARN))) return true;
  const parameters = record.requestParameters;
  if (parameters && typeof parameters === 'object') {
    for (const name of KEY_PARAMETERS) if (matches((parameters as Record<string, unknown>)[name])) return true;
  }
  return false;
}

/** Whether a record's eventTime is within [since, until] (either bound optional, both inclusive). */
export function recordInRange(record: Record<string, unknown>, since?: Date, until?: Date): boolean {
  const time = typeof record.eventTime === 'string' ? Date.parse(record.eventTime) : NaN;
  if (Number.isNaN(time)) return false;
  // eventTime has whole seconds: a record of the second `since` falls in is kept.
  if (since && time < Math.floor(since.getTime() / 1000) * 1000) return false;
  if (until && time > until.getTime()) return false;
  return true;
}

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl(?:\.gz)?$/;

/**
 * The day files (`YYYY-MM-DD.jsonl`, UTC days, or compressed `YYYY-MM-DD.jsonl.gz`) among `names` that
 * can hold records of the range, oldest first (a day's compressed file before its open one).
 */
export function dayFilesInRange(names: string[], since?: Date, until?: Date): string[] {
  const first = since?.toISOString().slice(0, 10);
  const last = until?.toISOString().slice(0, 10);
  return names
    .filter((name) => {
      const day = DAY_FILE.exec(name)?.[1];
      return day !== undefined && (!first || day >= first) && (!last || day <= last);
    })
    .sort((a, b) => (a.slice(0, 10) === b.slice(0, 10) ? (a.endsWith('.gz') ? -1 : 1) : a < b ? -1 : 1));
}
