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
