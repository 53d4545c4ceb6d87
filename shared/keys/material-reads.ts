/**
 * A cold key's material, read alongside the key instead of after it. When the vault holds none of a
 * key's materials (a Lambda cold start, a key this process has not used yet), an Encrypt would read the
 * key, then its material: two round trips one after the other. Here the read of the key's materials
 * (one Query of its material partition) starts with the key's own read. Nothing read ahead is used
 * before the key is resolved and authorized, nor by another request; the vault still unwraps only then.
 * A read ahead that failed, or that missed the material (a rotation in between), leaves the usual read
 * to do it.
 */
import { hasWrappedBytes } from '../core/imported-material.js';
import type { WrappedMaterial } from '../core/types.js';
import type { OperationContext } from '../context/operation-context.js';

/** Starts reading the key's materials, unless the vault holds one of them or this request reads them already. */
export function readMaterialsAhead(ctx: OperationContext, keyId: string): void {
  if (ctx.vault.holdsAnyOf(keyId) || ctx.materialsAhead?.has(keyId)) return;
  // A failure is the usual read's to report.
  const reading = ctx.store.listMaterials(keyId).catch(() => undefined);
  (ctx.materialsAhead ??= new Map()).set(keyId, reading);
}

/** A stored material, as KeyStore.getMaterial gives it: from this request's read ahead when that has it. */
export async function storedMaterial(ctx: OperationContext, keyId: string, keyMaterialId: string): Promise<WrappedMaterial | undefined> {
  const ahead = ctx.materialsAhead?.get(keyId);
  const found = ahead && (await ahead)?.find((material) => material.keyMaterialId === keyMaterialId);
  if (found) return hasWrappedBytes(found) ? found : undefined;
  return ctx.store.getMaterial(keyId, keyMaterialId);
}
