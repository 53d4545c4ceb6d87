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
import { keyWithoutMaterial, materialItemsToDelete } from '../core/imported-material.js';
import { serviceEventRecord } from '../audit/service-events.js';
import { expirationEvent } from '../events/kms-events.js';
import { retryOnConflict } from '../keys/conflict-retry.js';
import type { JobContext, JobReport } from './context.js';
import { outboxAudit, outboxEvent } from '../store/outbox.js';
import { keyJob } from './due-keys.js';

export function expiryJob(ctx: JobContext): Promise<JobReport> {
  return keyJob(ctx, 'expiry', (keyId) => expireKey(ctx, keyId));
}

/** Expires one key's material if a fresh read says it is due; false when there was nothing to do. */
async function expireKey(ctx: JobContext, keyId: string): Promise<boolean> {
  // Someone wrote the key since the read (another run, a re-import, a state change): decide again.
  return retryOnConflict(async () => {
    const key = await ctx.store.getKey(keyId, { fresh: true });
    // Gone, re-imported with a later ValidTo or without expiry, deleted by hand, or expired by another run.
    if (!key || !isDue(key, 'expiry', ctx.now.getTime())) return false;
    const keyMaterialId = key.currentKeyMaterialId!;
    // The event time is when the material expired (ValidTo), not when this run noticed it.
    const time = new Date(key.validTo!);
    const next = keyWithoutMaterial(key);
    await ctx.store.commitKey(next, {
        deleteMaterials: materialItemsToDelete(key, keyMaterialId),
        outbox: [
          outboxEvent(expirationEvent(key, keyMaterialId, time, ctx.eventSource)),
          outboxAudit(
            serviceEventRecord('DeleteExpiredKeyMaterial', key, time, {
              serviceEventDetails: { keyId: key.keyId, keyMaterialId },
              idParts: [key.keyId, keyMaterialId, key.validTo!],
            }),
          ),
        ],
      });
    ctx.vault.forget(key.keyId, keyMaterialId);
    ctx.log('INFO', 'imported key material expired', { keyId: key.keyId, keyMaterialId, keyState: next.keyState });
    return true;
  });
}
