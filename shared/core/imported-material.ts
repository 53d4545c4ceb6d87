/** Pure transitions of imported (EXTERNAL origin) key material (KMS-REFERENCE §9). */
import type { KeyRecord } from './types.js';

/**
 * An imported key loses its material (expiry or DeleteImportedKeyMaterial): it becomes PendingImport,
 * except that a key pending deletion stays so (deletion can still be cancelled). The material's id stays
 * in importedKeyMaterialId, since only that material may be imported again.
 */
export function keyWithoutMaterial(key: KeyRecord): KeyRecord {
  const { currentKeyMaterialId: _c, validTo: _v, expirationModel: _e, ...rest } = key;
  const keyState = key.keyState === 'PendingDeletion' || key.keyState === 'PendingReplicaDeletion' ? key.keyState : 'PendingImport';
  return { ...rest, keyState, revision: key.revision + 1 };
}

/**
 * The material items to delete with a key's imported material. A multi-region key's material item is
 * shared by its regions, each of which imported the same bytes and may still have them: only the
 * region's key loses its reference (its state keeps the material from being used there).
 */
export function materialItemsToDelete(key: KeyRecord, keyMaterialId: string): string[] {
  return key.multiRegion ? [] : [keyMaterialId];
}
