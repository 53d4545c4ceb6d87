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
