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
import { keyWithoutMaterial } from '../core/imported-material.js';
import { serviceEventRecord } from '../audit/service-events.js';
import { expirationEvent } from '../events/kms-events.js';
import { retryOnConflict } from '../keys/conflict-retry.js';
import type { JobContext, JobReport } from './context.js';
import { deliverOutbox, outboxAudit, outboxEvent } from '../store/outbox.js';

const PAGE = 100;

export async function expiryJob(ctx: JobContext): Promise<JobReport> {
  const report: JobReport = {
    job: 'expiry',
    region: ctx.region,
    now: ctx.now.toISOString(),
    due: 0,
    done: 0,
    skipped: 0,
    delivered: 0,
    failures: [],
  };
  const nowMs = ctx.now.getTime();
  let after: string | undefined;
  do {
    const page = await ctx.jobStore.dueKeys('expiry', nowMs, PAGE, after);
    after = page.next;
    for (const entry of page.items) {
      report.due++;
      try {
        if (await expireKey(ctx, entry.keyId)) report.done++;
        else report.skipped++;
      } catch (error) {
        report.failures.push({ keyId: entry.keyId, error: error instanceof Error ? error.message : String(error) });
        ctx.log('ERROR', 'expiry failed for a key', { keyId: entry.keyId, error: String(error) });
      }
    }
  } while (after !== undefined);
  report.delivered = await deliverOutbox(ctx.jobStore, ctx.sinks);
  return report;
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
        deleteMaterials: [keyMaterialId],
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
