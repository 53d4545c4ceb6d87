/**
 * DeleteImportedKeyMaterial: https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteImportedKeyMaterial.html
 * Deletes the key's imported material (the material item and the key's reference to it, one transaction)
 * and makes the key PendingImport, except that a key pending deletion stays PendingDeletion. Re-importing
 * the same material restores it (KMS-REFERENCE §9).
 */
import { keyWithoutMaterial, materialItemsToDelete } from '../core/imported-material.js';
import { ConditionFailedError } from '../store/ports.js';
import { KMSInternalException, NotFoundException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { checkExternalOrigin } from './get-parameters-for-import.js';
import { resolveKey } from '../keys/resolve-key.js';

export interface DeleteImportedKeyMaterialRequest {
  KeyId: string;
  KeyMaterialId?: string;
}

const ATTEMPTS = 25;

export async function deleteImportedKeyMaterial(input: DeleteImportedKeyMaterialRequest, ctx: OperationContext) {
  for (let attempt = 1; ; attempt++) {
    const key = await resolveKey(ctx, input.KeyId, 'DeleteImportedKeyMaterial', { allowAlias: false });
    checkExternalOrigin(key);
    const current = key.currentKeyMaterialId;
    // Without material (PendingImport, or deleted while PendingDeletion) the call has no effect; AWS then
    // returns an empty KeyMaterialId (KMS-REFERENCE §9).
    if (current === undefined) return { KeyId: key.arn, KeyMaterialId: input.KeyMaterialId ?? '' };
    // One material per imported key here, so any other id names nothing of this key (AWS's error unverified).
    if (input.KeyMaterialId !== undefined && input.KeyMaterialId !== current) {
      throw new NotFoundException(`Key material ${input.KeyMaterialId} is not associated with ${key.arn}.`);
    }
    try {
      await ctx.store.commitKey(keyWithoutMaterial(key), { deleteMaterials: materialItemsToDelete(key, current) });
      ctx.vault.forget(key.keyId, current);
      return { KeyId: key.arn, KeyMaterialId: current };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      if (attempt === ATTEMPTS) throw new KMSInternalException('The key was changed concurrently; try again.');
      await new Promise((resolve) => setTimeout(resolve, Math.random() * attempt * 2));
    }
  }
}
