/**
 * The sparse due-date indexes the jobs query (ARCHITECTURE principle 6, "jobs scale with the work due"):
 * a key item carries a job's index attributes only while that job has something to do with it, so a job
 * reads the keys that are due and never scans the table. The attributes are derived from the key record
 * on every write (pure, unit-tested), so they can never disagree with the key's state.
 */
import { dueDates, type DueJob } from '../core/due-dates.js';
import type { KeyRecord } from '../core/types.js';

export type { DueJob };

export interface DueIndex {
  /** GSI name in infra/table-definition.json. */
  indexName: string;
  /** Partition attribute: the key's region, so each region's job reads only what it owns. */
  pk: string;
  /** Sort attribute: the due instant, epoch milliseconds. */
  at: string;
}

export const dueIndexes: Record<DueJob, DueIndex> = {
  rotation: { indexName: 'rotation-due', pk: 'dueRotationPk', at: 'dueRotationAt' },
  deletion: { indexName: 'deletion-due', pk: 'dueDeletionPk', at: 'dueDeletionAt' },
  expiry: { indexName: 'expiry-due', pk: 'dueExpiryPk', at: 'dueExpiryAt' },
};

/**
 * The index attributes a key item carries (only those of jobs with work due). The rotation of a
 * multi-region key is shared: its shared item carries it instead (sharedDueAttributes), so it follows
 * the primary when the primary moves to another region.
 */
export function dueAttributes(key: KeyRecord): Record<string, string | number> {
  return attributesOf(key, (job) => !(key.multiRegion && job === 'rotation'));
}

/** The index attributes of a multi-region key's shared item, from its primary's record. */
export function sharedDueAttributes(primary: KeyRecord): Record<string, string | number> {
  return attributesOf(primary, (job) => job === 'rotation');
}

function attributesOf(key: KeyRecord, include: (job: DueJob) => boolean): Record<string, string | number> {
  const attributes: Record<string, string | number> = {};
  const due = dueDates(key);
  for (const job of Object.keys(due) as DueJob[]) {
    if (!include(job)) continue;
    attributes[dueIndexes[job].pk] = key.region;
    attributes[dueIndexes[job].at] = due[job]!;
  }
  return attributes;
}
