/**
 * Pure transitions of imported (EXTERNAL origin) key material (KMS-REFERENCE §9). A symmetric key may
 * hold several imported materials: the current one, earlier ones (non-current, decrypt only) and one
 * pending rotation. Each material's record keeps its own import state and expiry; a material that expired
 * or was deleted keeps its record without the bytes (PENDING_IMPORT), so ListKeyRotations shows it and
 * only it may be imported again. The key is usable only while every material permanently associated with
 * it (all but the one pending rotation) is imported.
 */
import type { KeyRecord, WrappedMaterial } from './types.js';

/** Whether a stored material has its bytes: one whose import was undone (expired or deleted) keeps its record without them. */
export const hasWrappedBytes = (material: Pick<WrappedMaterial, 'importState'>): boolean => material.importState !== 'PENDING_IMPORT';

/**
 * An imported key loses material it needs (expiry or DeleteImportedKeyMaterial): it becomes PendingImport,
 * except that a key pending deletion stays so (deletion can still be cancelled). The current material's
 * id stays in importedKeyMaterialId, so that it becomes current again once everything is re-imported.
 */
export function keyWithoutMaterial(key: KeyRecord): KeyRecord {
  const { currentKeyMaterialId: _c, validTo: _v, expirationModel: _e, ...rest } = key;
  const keyState = key.keyState === 'PendingDeletion' || key.keyState === 'PendingReplicaDeletion' ? key.keyState : 'PendingImport';
  return { ...rest, keyState, revision: key.revision + 1 };
}

/**
 * A key's fields that say which imported material its region holds (current, pending rotation, their
 * expiry) removed: a new replica of an imported key starts with none, whatever its primary has.
 */
export function withoutRegionMaterial<T extends Partial<KeyRecord>>(key: T): T {
  const { currentKeyMaterialId: _c, importedKeyMaterialId: _i, pendingKeyMaterialId: _p, expirationModel: _e, validTo: _v, pendingValidTo: _pv, ...rest } = key;
  return rest as T;
}

/** A material's record once its import is undone (expired or deleted): no bytes, PENDING_IMPORT. */
export function undoneImport(material: WrappedMaterial): WrappedMaterial {
  return { ...material, wrapped: Buffer.alloc(0), importState: 'PENDING_IMPORT' };
}

export const isImported = (material: WrappedMaterial) => material.importState !== 'PENDING_IMPORT';

/** Whether a material the key needs (any but the one pending rotation) is not imported. */
export function lacksMaterial(materials: readonly WrappedMaterial[]): boolean {
  return materials.some((m) => !m.pendingRotation && !isImported(m));
}

/** The earliest expiry of the imported materials that `which` accepts, or undefined. */
function earliestExpiry(materials: readonly WrappedMaterial[], which: (m: WrappedMaterial) => boolean): number | undefined {
  let earliest: number | undefined;
  for (const m of materials) {
    if (which(m) && isImported(m) && m.validTo !== undefined && (earliest === undefined || m.validTo < earliest)) earliest = m.validTo;
  }
  return earliest;
}

/**
 * Sets the key's expiry fields from its materials: validTo, the earliest expiry of the materials
 * permanently associated with it (KeyMetadata's ValidTo), and pendingValidTo, that of the material
 * pending rotation; the expiry job is due at the earlier of the two.
 */
export function withExpiries(key: KeyRecord, materials: readonly WrappedMaterial[]): KeyRecord {
  const next = { ...key };
  const validTo = earliestExpiry(materials, (m) => !m.pendingRotation);
  const pendingValidTo = earliestExpiry(materials, (m) => m.pendingRotation === true);
  if (validTo !== undefined) next.validTo = validTo;
  else delete next.validTo;
  if (pendingValidTo !== undefined) next.pendingValidTo = pendingValidTo;
  else delete next.pendingValidTo;
  return next;
}

/**
 * The record changes when a key's imported material is undone. A multi-region key's material record is
 * shared by its regions, each of which imported the same bytes and may still have them: only the
 * region's key loses it (its state keeps the material from being used there).
 */
export function undoEffects(key: KeyRecord, material: WrappedMaterial | undefined): { replaceMaterials?: WrappedMaterial[] } {
  return key.multiRegion || !material ? {} : { replaceMaterials: [undoneImport(material)] };
}
