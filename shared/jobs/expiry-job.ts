/**
 * The expiry job: deletes imported key material at its ValidTo (KMS-REFERENCE §9). The key becomes
 * PendingImport (a key pending deletion keeps that state), and the same transaction writes the
 * `KMS Imported Key Material Expiration` event and the CloudTrail `DeleteExpiredKeyMaterial` service
 * event to the outbox, delivered at the end of the run.
 *
 * Idempotent reconciler (conventions §10): it reads only the sparse expiry index (store/due-index.ts),
 * decides due-ness from a fresh read of each key, and writes conditionally on the revision it read. Two
 * runs at once: one write wins, the other finds the key no longer due and skips it, so the material is
 * deleted and the event written once (their ids are deterministic besides). A failing key is reported
 * and the run carries on.
 */
import { isDue } from '../core/due-dates.js';
import { isImported, keyWithoutMaterial, undoEffects, withExpiries } from '../core/imported-material.js';
import type { KeyRecord } from '../core/types.js';
import { serviceEventRecord } from '../audit/service-events.js';
import { expirationEvent } from '../events/kms-events.js';
import { retryOnConflict } from '../keys/conflict-retry.js';
import type { JobContext, JobReport } from './context.js';
import { outboxAudit, outboxEvent } from '../store/outbox.js';
import { keyJob } from './due-keys.js';

export function expiryJob(ctx: JobContext): Promise<JobReport> {
  return keyJob(ctx, 'expiry', (keyId) => expireKey(ctx, keyId));
}

/**
 * Expires, if a fresh read says the key is due, every imported material of the key whose ValidTo has
 * passed: its record loses the bytes (PENDING_IMPORT), one event and one audit record per material, and
 * the key becomes PendingImport if it needed one of them. False when there was nothing to do.
 */
async function expireKey(ctx: JobContext, keyId: string): Promise<boolean> {
  // Someone wrote the key since the read (another run, a re-import, a state change): decide again.
  return retryOnConflict(async () => {
    const key = await ctx.store.getKey(keyId, { fresh: true });
    // Gone, re-imported with a later ValidTo or without expiry, deleted by hand, or expired by another run.
    if (!key || !isDue(key, 'expiry', ctx.now.getTime())) return false;
    // Records written before each material kept its own expiry: the current one's is the key's.
    const materials = (await ctx.store.listMaterials(key.keyId)).map((m) =>
      m.expirationModel === undefined && m.keyMaterialId === key.currentKeyMaterialId && key.validTo !== undefined
        ? { ...m, expirationModel: key.expirationModel, validTo: key.validTo }
        : m,
    );
    // A multi-region key's records are shared by its regions: this region's expiry is its key's ValidTo.
    const expired = key.multiRegion
      ? key.validTo !== undefined && key.validTo <= ctx.now.getTime()
        ? [{ keyMaterialId: key.currentKeyMaterialId ?? key.importedKeyMaterialId!, validTo: key.validTo, record: undefined, needed: true }]
        : []
      : materials
          .filter((m) => isImported(m) && m.validTo !== undefined && m.validTo <= ctx.now.getTime())
          .map((m) => ({ keyMaterialId: m.keyMaterialId, validTo: m.validTo!, record: m, needed: !m.pendingRotation }));
    if (expired.length === 0) return false;
    const remaining = materials.filter((m) => !expired.some((e) => e.keyMaterialId === m.keyMaterialId));
    const next: KeyRecord = withExpiries(
      expired.some((e) => e.needed) ? keyWithoutMaterial(key) : { ...key, revision: key.revision + 1 },
      key.multiRegion ? [] : remaining,
    );
    await ctx.store.commitKey(next, {
      replaceMaterials: expired.flatMap((e) => undoEffects(key, e.record).replaceMaterials ?? []),
      // The event time is when the material expired (ValidTo), not when this run noticed it.
      outbox: expired.flatMap(({ keyMaterialId, validTo }) => [
        outboxEvent(expirationEvent(key, keyMaterialId, new Date(validTo), ctx.eventSource)),
        outboxAudit(
          serviceEventRecord('DeleteExpiredKeyMaterial', key, new Date(validTo), {
            serviceEventDetails: { keyId: key.keyId, keyMaterialId },
            idParts: [key.keyId, keyMaterialId, validTo],
          }),
        ),
      ]),
    });
    for (const { keyMaterialId } of expired) {
      ctx.vault.forget(key.keyId, keyMaterialId);
      ctx.log('INFO', 'imported key material expired', { keyId: key.keyId, keyMaterialId, keyState: next.keyState });
    }
    return true;
  });
}
