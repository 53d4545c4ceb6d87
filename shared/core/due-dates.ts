/**
 * When each scheduled job next has work with a key (pure). The one source of truth for "due": the store
 * derives the sparse index attributes from it on every write (store/due-index.ts), and each job decides
 * from it again on a fresh read of the key, so the index and the jobs can never disagree.
 */
import { isReplica } from './multi-region.js';
import { supportsAutomaticRotation } from './rotation.js';
import type { KeyRecord } from './types.js';

export type DueJob = 'rotation' | 'deletion' | 'expiry';

/** When each job next has work with this key, if ever. */
export function dueDates(key: KeyRecord): Partial<Record<DueJob, number>> {
  const due: Partial<Record<DueJob, number>> = {};
  // Disabled and pending-deletion keys do not rotate; re-enabled, a key past its date rotates at once.
  // A multi-region key rotates in its primary's region only; the replicas share the new material.
  if (key.keyState === 'Enabled' && key.rotationEnabled && key.nextRotationDate !== undefined && supportsAutomaticRotation(key) && !isReplica(key)) {
    due.rotation = key.nextRotationDate;
  }
  // A primary waiting for its replicas to be deleted is checked from then on (deletion job).
  if ((key.keyState === 'PendingDeletion' || key.keyState === 'PendingReplicaDeletion') && key.deletionDate !== undefined) {
    due.deletion = key.deletionDate;
  }
  // Imported material that expires: the earliest of the key's materials, pending rotation included (a
  // key in any state loses it then).
  if (key.origin === 'EXTERNAL') {
    const at = Math.min(key.validTo ?? Infinity, key.pendingValidTo ?? Infinity);
    if (at !== Infinity) due.expiry = at;
  }
  return due;
}

/** Whether `job` has work with the key as of `nowMs` (due at or before it). */
export function isDue(key: KeyRecord, job: DueJob, nowMs: number): boolean {
  const at = dueDates(key)[job];
  return at !== undefined && at <= nowMs;
}
