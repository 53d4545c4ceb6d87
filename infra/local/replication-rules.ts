/**
 * The local replicator's pure rules (tests/unit/replication-rules.test.ts): which region owns an item,
 * last-writer-wins versions for items any region may write, telling the replicator's own echoes from
 * local writes, and a stable fingerprint of an item image.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** One version of an item: when it was written (ms) and in which region. */
export interface Version {
  at: number;
  origin: string;
}

/**
 * Last writer wins: is `a` newer than `b`? Equal times are broken by the greater origin region name, so
 * every region picks the same winner whatever order the versions reach it in. Equal versions are not newer.
 */
export function newerVersion(a: Version, b: Version): boolean {
  return a.at !== b.at ? a.at > b.at : a.origin > b.origin;
}

/**
 * The one region that writes an item, when its partition key names it (`KEY#us-east-1#…`, `OUTBOX#eu-west-3`):
 * the second `#`-separated part, if it is one of the global table's regions. Undefined for items any
 * region may write (`MRK#…`, `MATERIAL#…`, `CREDENTIALS`).
 */
export function ownerRegion(pk: string | undefined, regions: readonly string[]): string | undefined {
  if (pk === undefined) return undefined;
  const part = pk.split('#', 3)[1];
  return part !== undefined && regions.includes(part) ? part : undefined;
}

/** DynamoDB Local rounds ApproximateCreationDateTime down to the minute (AWS: to the second). */
export const CREATION_TIME_ROUNDING_MS = 60_000;

/**
 * The time a local write is versioned with: when the replicator saw it, which is a few ms after the write
 * when its region is read promptly, but never outside the rounded creation time's window (a region read
 * late, e.g. after being down, must not make old writes look new).
 */
export function versionTime(createdAt: number, observedAt: number): number {
  return Math.min(Math.max(observedAt, createdAt), createdAt + CREATION_TIME_ROUNDING_MS - 1);
}

/** What the replicator knows of one item in one region. */
export interface ItemState {
  /** The newest version known to be in that region's table (applied by us or seen in its stream). */
  version?: Version;
  /** Fingerprints of our own writes there whose stream records have not been seen yet, oldest first. */
  pending: string[];
}

export type Observation =
  /** Our own write coming back: consume it, send it nowhere. */
  | { kind: 'echo'; state: ItemState }
  /**
   * A write made in the region itself: send `version` on to the other regions. `repair`: one of our
   * writes landed after it but is older by LWW, so the region's table must get this image back.
   */
  | { kind: 'local'; version: Version; repair: boolean; state: ItemState };

/** Classifies a stream record of `region` (its fingerprint and creation time in ms) against what we know. */
export function observe(state: ItemState | undefined, fingerprint: string, createdAt: number, region: string): Observation {
  const pending = state?.pending ?? [];
  const known = state?.version;
  const at = pending.indexOf(fingerprint);
  // Our writes reach the stream in the order we made them (one drainer per region), so anything pending
  // before the match will never come (e.g. a retried request whose first attempt already wrote).
  if (at >= 0) return { kind: 'echo', state: { version: known, pending: pending.slice(at + 1) } };
  if (pending.length > 0) {
    // One of our writes is still ahead in this stream, so this local write came before it and was
    // overwritten by it. Compare without bump: the two were concurrent.
    const version = { at: createdAt, origin: region };
    const repair = known !== undefined && newerVersion(version, known);
    return { kind: 'local', version, repair, state: { version: known, pending } };
  }
  // Everything known is already in the table before this write, so this write is newer than it even
  // within the same rounded time: bump past it.
  const version = { at: known ? Math.max(createdAt, known.at + 1) : createdAt, origin: region };
  return { kind: 'local', version, repair: false, state: { version, pending } };
}

/** JSON with sorted object keys and sorted set members: equal items give equal strings. */
export function stableJson(value: unknown, parentKey?: string): string {
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('base64'));
  if (Array.isArray(value)) {
    const members = value.map((member) => stableJson(member));
    // Sets have no order; DynamoDB may hand them back in another one than they were written in.
    if (parentKey === 'SS' || parentKey === 'NS' || parentKey === 'BS') members.sort();
    return `[${members.join(',')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson(record[key], key)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What a write leaves in the table: its new image, or 'REMOVE'. */
export function fingerprintOf(image: Record<string, unknown> | undefined): string {
  return image ? stableJson(image) : 'REMOVE';
}

/**
 * The streams client (3.1141) reads an empty map attribute (`{"M": {}}`, e.g. a key without tags) as `{}`,
 * a value with no type, which PutItem refuses. Our items hold empty maps but never empty lists, so a
 * typeless value is an empty map (nested ones too).
 */
export function restoreEmptyMaps(item: Record<string, AttributeValue>): Record<string, AttributeValue> {
  const fix = (value: Record<string, unknown>): Record<string, unknown> => {
    if (Object.keys(value).length === 0) return { M: {} };
    if (value.M && typeof value.M === 'object') return { M: restoreEmptyMaps(value.M as Record<string, AttributeValue>) };
    if (Array.isArray(value.L)) return { L: (value.L as Record<string, unknown>[]).map(fix) };
    return value;
  };
  const fixed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) fixed[name] = fix(value as unknown as Record<string, unknown>);
  return fixed as Record<string, AttributeValue>;
}
