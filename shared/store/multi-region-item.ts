/**
 * The shared item of a multi-region key (KMS-REFERENCE §7). AWS keeps some properties identical in every
 * region of a multi-region key and synchronises them from the primary: the key material versions, the
 * automatic rotation settings, and which key is primary. Here they live in one item, `MRK#<keyId>`, that
 * only the primary's region writes (ARCHITECTURE "Home-region writes"; a primary change hands the writer
 * role over in that same item). Every region reads its own key item and overlays the shared item, so a
 * replica sees a rotation as soon as the global table has replicated it. Pure.
 */
import type { KeyRecord } from '../core/types.js';

/** The KeyRecord fields that are the shared item's, not the region's. */
const SHARED_FIELDS = [
  'currentKeyMaterialId',
  'rotationEnabled',
  'rotationPeriodInDays',
  'nextRotationDate',
  'onDemandRotationCount',
] as const satisfies readonly (keyof KeyRecord)[];

export type SharedFields = Pick<KeyRecord, (typeof SHARED_FIELDS)[number]> & { primaryRegion: string };

/** The shared properties a primary's record carries, as the shared item stores them. */
export function sharedFields(key: KeyRecord): SharedFields {
  const shared: SharedFields = { primaryRegion: key.primaryRegion ?? key.region };
  for (const name of SHARED_FIELDS) {
    if (key[name] !== undefined) (shared as Record<string, unknown>)[name] = key[name];
  }
  return shared;
}

/**
 * The region's key with the shared properties laid over it. Without a shared item (a key stored before
 * they existed, or one whose shared item has not replicated yet) the region's own copy stands.
 */
export function withShared(key: KeyRecord, shared: Record<string, unknown> | undefined): KeyRecord {
  if (!shared) return { ...key, primaryRegion: key.primaryRegion ?? key.region };
  const merged: Record<string, unknown> = { ...key, primaryRegion: shared.primaryRegion };
  for (const name of SHARED_FIELDS) {
    // Imported material is imported into each region's key on its own (AWS): whether a region has it is the region's.
    if (name === 'currentKeyMaterialId' && key.origin === 'EXTERNAL') continue;
    merged[name] = shared[name];
  }
  // The primary rotated an imported key to the material this region has pending: it is current here too.
  const rotatedTo = shared.currentKeyMaterialId;
  if (key.origin === 'EXTERNAL' && key.currentKeyMaterialId !== undefined && rotatedTo !== undefined && rotatedTo === key.pendingKeyMaterialId) {
    merged.currentKeyMaterialId = rotatedTo;
    merged.importedKeyMaterialId = rotatedTo;
    delete merged.pendingKeyMaterialId;
  }
  return merged as unknown as KeyRecord;
}
