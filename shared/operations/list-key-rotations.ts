/** ListKeyRotations: https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyRotations.html */
import { decodeMarker, pageLimit, pageResult } from '../core/pagination.js';
import type { WrappedMaterial } from '../core/types.js';
import { InvalidMarkerException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from '../keys/resolve-key.js';
import { requireRotatableKey } from '../keys/rotation-rules.js';
import { pendingEverywhere } from '../keys/multi-region.js';

export interface ListKeyRotationsRequest {
  KeyId: string;
  IncludeKeyMaterial?: 'ALL_KEY_MATERIAL' | 'ROTATIONS_ONLY';
  Limit?: number;
  Marker?: string;
}

export async function listKeyRotations(input: ListKeyRotationsRequest, ctx: OperationContext) {
  const limit = pageLimit(input.Limit, 1000, 100);
  const after = decodeMarker(input.Marker);
  const key = await resolveKey(ctx, input.KeyId, 'ListKeyRotations', { allowAlias: false });
  // Imported symmetric keys can rotate on demand since 2025-06; other key types cannot rotate at all.
  if (key.origin !== 'EXTERNAL') requireRotatableKey(key);
  const materials = (await ctx.store.listMaterials(key.keyId)).filter(
    // ROTATIONS_ONLY (the default) lists what completed rotations made, not the original material or
    // material pending rotation.
    (m) => input.IncludeKeyMaterial === 'ALL_KEY_MATERIAL' || m.rotationDate !== undefined,
  );
  // Oldest first; the marker is the id of the last material returned.
  const start = after === undefined ? 0 : materials.findIndex((m) => m.keyMaterialId === after) + 1;
  if (after !== undefined && start === 0) throw new InvalidMarkerException('Invalid marker');
  const pageItems = materials.slice(start, start + limit);
  const more = start + limit < materials.length;
  const { items, ...paging } = pageResult(pageItems, more ? pageItems[pageItems.length - 1]!.keyMaterialId : undefined);
  const current = key.currentKeyMaterialId ?? key.importedKeyMaterialId;
  // New material of a multi-region key waits until every region has imported it.
  const pending = items.find((m) => m.pendingRotation);
  const waitingForRegions = pending !== undefined && !(await pendingEverywhere(ctx.peers, key, pending.keyMaterialId));
  return {
    Rotations: items.map((m) => rotationEntry(key.keyId, m, current, key.origin === 'EXTERNAL', waitingForRegions)),
    ...paging,
  };
}

function rotationEntry(keyId: string, material: WrappedMaterial, current: string | undefined, imported: boolean, waitingForRegions: boolean) {
  const state = material.pendingRotation
    ? waitingForRegions
      ? 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION'
      : 'PENDING_ROTATION'
    : material.keyMaterialId === current
      ? 'CURRENT'
      : 'NON_CURRENT';
  return {
    KeyId: keyId,
    KeyMaterialId: material.keyMaterialId,
    // Imported material only (EXTERNAL origin): its description, import state and expiry.
    KeyMaterialDescription: imported ? material.keyMaterialDescription : undefined,
    ImportState: imported ? (material.importState ?? 'IMPORTED') : undefined,
    KeyMaterialState: state,
    ExpirationModel: imported ? material.expirationModel : undefined,
    ValidTo: imported && material.validTo !== undefined ? new Date(material.validTo) : undefined,
    RotationDate: material.rotationDate !== undefined ? new Date(material.rotationDate) : undefined,
    RotationType: material.rotationType,
  };
}
