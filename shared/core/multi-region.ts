/** Multi-region key facts the core needs (KMS-REFERENCE §7). Pure. */
import type { KeyRecord } from './types.js';

/** Whether the key is the primary of a multi-region key (a single-region key is never). */
export function isPrimary(key: KeyRecord): boolean {
  return key.multiRegion && (key.primaryRegion ?? key.region) === key.region;
}

/** Whether the key is a replica of a multi-region key whose primary is in another region. */
export function isReplica(key: KeyRecord): boolean {
  return key.multiRegion && !isPrimary(key);
}

/**
 * A new replica is `Creating` for a moment, as in AWS ("a few seconds"): it can be managed but not used
 * cryptographically yet. Nothing needs to happen when it ends, so no job flips it: a read after that
 * moment sees it Enabled (and the next write stores that).
 */
export const REPLICA_CREATION_MS = 1_000;

export function settled(key: KeyRecord, nowMs: number): KeyRecord {
  if (key.keyState !== 'Creating' || nowMs < key.creationDate + REPLICA_CREATION_MS) return key;
  // A replica of an imported key waits for its own copy of the material.
  return { ...key, keyState: key.origin === 'EXTERNAL' && key.currentKeyMaterialId === undefined ? 'PendingImport' : 'Enabled' };
}
