/**
 * DeleteImportedKeyMaterial: https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteImportedKeyMaterial.html
 * Undoes the import of one material (KeyMaterialId, by default the current one): its bytes go, its record
 * stays PENDING_IMPORT (core/imported-material.ts), in one transaction with the key. Losing a material
 * the key needs makes it PendingImport (a key pending deletion stays so); a material pending rotation
 * goes alone. Re-importing the same material restores it (KMS-REFERENCE §9).
 */
import { keyWithoutMaterial, isImported, undoEffects, withExpiries } from '../core/imported-material.js';
import type { KeyRecord } from '../core/types.js';
import { NotFoundException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { checkExternalOrigin } from './get-parameters-for-import.js';
import { retryOnConflict } from '../keys/conflict-retry.js';
import { resolveKey } from '../keys/resolve-key.js';

export interface DeleteImportedKeyMaterialRequest {
  KeyId: string;
  KeyMaterialId?: string;
}

export async function deleteImportedKeyMaterial(input: DeleteImportedKeyMaterialRequest, ctx: OperationContext) {
  return retryOnConflict(async () => {
    const key = await resolveKey(ctx, input.KeyId, 'DeleteImportedKeyMaterial', { allowAlias: false });
    checkExternalOrigin(key);
    const targetId = input.KeyMaterialId ?? key.currentKeyMaterialId;
    // Without current material (PendingImport, or deleted while PendingDeletion) and no id named, the call
    // has no effect; AWS then returns an empty KeyMaterialId (KMS-REFERENCE §9).
    if (targetId === undefined) return { KeyId: key.arn, KeyMaterialId: '' };
    const materials = await ctx.store.listMaterials(key.keyId);
    const material = materials.find((m) => m.keyMaterialId === targetId);
    const ofKey = material !== undefined || targetId === key.currentKeyMaterialId || targetId === key.importedKeyMaterialId;
    // AWS's error for an id that names no material of the key is unverified.
    if (!ofKey) throw new NotFoundException(`Key material ${targetId} is not associated with ${key.arn}.`);
    // Already undone (or a record from before records were kept): nothing changes.
    if (material ? !isImported(material) : targetId !== key.currentKeyMaterialId) return { KeyId: key.arn, KeyMaterialId: targetId };

    const needed = !material?.pendingRotation;
    const remaining = materials.filter((m) => m.keyMaterialId !== targetId);
    const next: KeyRecord = withExpiries(needed ? keyWithoutMaterial(key) : { ...key, revision: key.revision + 1 }, key.multiRegion ? [] : remaining);
    await ctx.store.commitKey(next, undoEffects(key, material));
    ctx.vault.forget(key.keyId, targetId);
    return { KeyId: key.arn, KeyMaterialId: targetId };
  });
}
