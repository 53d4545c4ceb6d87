/**
 * The deletion job (KMS-REFERENCE §10): when a key's waiting period ends, it deletes the key, its
 * material, the aliases pointing at it and its grants; the key id answers NotFoundException afterwards.
 * It also warns a day before a deletion, and raises an alarm for attempts to use a key pending deletion.
 *
 * An idempotent reconciler (ARCHITECTURE principle 6, conventions §10), in four steps:
 *   1. finish the cleanups a previous run left (it deleted a key, then crashed before its aliases,
 *      grants and materials were gone): the cleanup marker was written with the deletion;
 *   2. report refused uses of keys pending deletion (before step 3, whose cleanup forgets them): one
 *      transaction marks the attempts reported and writes the ALARM to the outbox;
 *   3. read the keys due from the sparse `deletion-due` index, up to a day ahead; for each, after a fresh
 *      read: past its DeletionDate (<= now, never a millisecond early) -> one transaction deletes the key
 *      and its ListKeys entry, leaves the cleanup marker and writes the `KMS CMK Deletion` event and the
 *      CloudTrail `DeleteKey` record to the outbox, then the cleanup runs; within a day of it -> one
 *      conditional write records the warning and puts the WARNING in the outbox;
 *   4. deliver the outbox.
 * Every write is conditional on what the run read (key revision, notifiedCount), so two runs at once or
 * a re-run do each thing once; the outbox ids are deterministic. A failing key is reported, not fatal.
 */
import { dueDates } from '../core/due-dates.js';
import type { KeyRecord } from '../core/types.js';
import { serviceEventRecord } from '../audit/service-events.js';
import { deletionEvent, deterministicId } from '../events/kms-events.js';
import type { Notification } from '../core/sinks.js';
import { retryOnConflict } from '../keys/conflict-retry.js';
import { forEachDueKey, newReport } from './due-keys.js';
import { scheduleReplicaDeletion, startPrimaryDeletion } from '../core/key-state.js';
import { isPrimary } from '../core/multi-region.js';
import { replicasOf } from '../keys/multi-region.js';
import type { JobContext, JobReport } from './context.js';
import { deliverOutbox, outboxAudit, outboxEvent, outboxNotification } from '../store/outbox.js';
import { pendingDeletionUseAlarm } from '../keys/pending-deletion-use.js';

const DAY_MS = 86_400_000;
/** How far ahead of a deletion the warning goes out. */
export const DELETION_WARNING_MS = DAY_MS;
const PAGE = 100;

export type DeletionAction = 'delete' | 'warn' | 'replicas' | 'skip';

/** What the job does with a key as of `nowMs` (pure). 'replicas': start the window if the replicas are gone. */
export function deletionAction(key: KeyRecord | undefined, nowMs: number): DeletionAction {
  const deletionDate = key && dueDates(key).deletion;
  if (!key || deletionDate === undefined) return 'skip';
  if (key.keyState === 'PendingReplicaDeletion') return deletionDate <= nowMs ? 'replicas' : 'skip';
  // The waiting period ends at DeletionDate itself: deleting at any earlier instant would be early.
  if (deletionDate <= nowMs) return 'delete';
  if (deletionDate - nowMs <= DELETION_WARNING_MS && key.deletionWarningSentFor !== deletionDate) return 'warn';
  return 'skip';
}

/** The one-day WARNING; one id per key and DeletionDate, so a re-run or a second run gives the same one. */
export function deletionWarning(key: KeyRecord, time: Date): Notification {
  const when = new Date(key.deletionDate!).toISOString();
  return {
    id: deterministicId('deletion-warning', key.keyId, key.deletionDate!),
    severity: 'WARNING',
    subject: `KMS key will be deleted within a day: ${key.keyId}`,
    message:
      `${key.arn} is pending deletion and will be deleted at ${when}, with its key material, aliases and grants. ` +
      'Data encrypted under it can no longer be decrypted afterwards. Cancel the deletion (CancelKeyDeletion) before then if it is still needed.',
    time: time.toISOString(),
    region: key.region,
    account: key.account,
    keyArn: key.arn,
    details: { keyId: key.keyId, deletionDate: when },
  };
}

export async function deletionJob(ctx: JobContext): Promise<JobReport> {
  const report = newReport(ctx, 'deletion');
  const nowMs = ctx.now.getTime();
  const extra = { cleanups: 0, alarms: 0, warnings: 0, primariesScheduled: 0 };
  const fail = (keyId: string, error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    report.failures.push({ keyId, error: message });
    ctx.log('WARN', 'deletion job: key failed', { keyId, error: message });
  };

  // 1. Cleanups a crashed run left behind.
  const failedCleanups = new Set<string>();
  for (;;) {
    const page = await ctx.jobStore.listCleanups(PAGE);
    const entries = page.filter((entry) => !failedCleanups.has(entry.keyId));
    for (const entry of entries) {
      try {
        await ctx.jobStore.cleanupKey(entry);
        extra.cleanups++;
      } catch (error) {
        failedCleanups.add(entry.keyId);
        fail(entry.keyId, error);
      }
    }
    // Done ones leave the list, so a full page means more may follow; failed ones are not retried.
    if (page.length < PAGE || entries.length === 0) break;
  }

  // 2. Alarms for refused uses of keys pending deletion.
  let after: string | undefined;
  do {
    const uses = await ctx.jobStore.pendingDeletionUses(PAGE, after);
    for (const use of uses) {
      try {
        if (use.count > use.notifiedCount) {
          const alarm = outboxNotification(pendingDeletionUseAlarm(use, ctx.region, ctx.now));
          if (await ctx.jobStore.reportPendingDeletionUse(use.keyId, use.notifiedCount, use.count, [alarm])) extra.alarms++;
        }
        // A key no longer pending deletion (cancelled, or deleted while a refused request raced the
        // cleanup) gets no new attempts: forget the record once everything in it is reported.
        const key = await ctx.store.getKey(use.keyId, { fresh: true });
        if (!key || (key.keyState !== 'PendingDeletion' && key.keyState !== 'PendingReplicaDeletion')) {
          await ctx.jobStore.clearPendingDeletionUse(use.keyId, { onlyIfReported: true });
        }
      } catch (error) {
        fail(use.keyId, error);
      }
    }
    after = uses.length === PAGE ? uses[uses.length - 1]!.keyId : undefined;
  } while (after !== undefined);

  // 3. Keys whose deletion is due, or a day away.
  await forEachDueKey(ctx, 'deletion', nowMs + DELETION_WARNING_MS, report, async (keyId) => {
    const outcome = await reconcile(ctx, keyId, nowMs);
    if (outcome.done === 'deleted') {
      report.done++;
      try {
        const { account, multiRegion } = outcome.key;
        await ctx.jobStore.cleanupKey({ keyId, account, multiRegion, sharedOwner: isPrimary(outcome.key) });
        extra.cleanups++;
      } catch (error) {
        // The key is gone and its cleanup marker stays: the next run finishes (step 1).
        fail(keyId, error);
      }
    } else if (outcome.done === 'warned') extra.warnings++;
    else if (outcome.done === 'scheduled') extra.primariesScheduled++;
    else report.skipped++;
  });

  // 4. Events, audit records and notifications of this run (and any a crashed run left).
  report.delivered = await deliverOutbox(ctx.jobStore, ctx.sinks);
  report.extra = extra;
  return report;
}

/** One key: fresh read, decide, one conditional write; on a lost race, again on the state just read. */
async function reconcile(
  ctx: JobContext,
  keyId: string,
  nowMs: number,
): Promise<{ done: 'deleted' | 'warned' | 'scheduled'; key: KeyRecord } | { done: 'skipped' }> {
  return retryOnConflict(async () => {
    // Decided on the stored state, not the cache: a skip must not rest on a stale copy (a write by
    // another region, e.g. a replica's deletion, reaches the table but not this process's cache).
    const key = await ctx.store.getKey(keyId, { fresh: true });
    const action = deletionAction(key, nowMs);
    if (action === 'delete') {
      // A replica made after the primary's deletion was scheduled (or not yet replicated when it was)
      // needs the shared material: the primary waits for it instead (KMS-REFERENCE §7).
      if (isPrimary(key!) && (await replicasOf(ctx.peers, key!)).length > 0) {
        await ctx.store.updateKey(scheduleReplicaDeletion(key!, key!.pendingWindowInDays ?? 30, ctx.now));
        return { done: 'skipped' };
      }
      await ctx.store.deleteKey(key!, [
        outboxEvent(deletionEvent(key!, ctx.now, ctx.eventSource)),
        outboxAudit(serviceEventRecord('DeleteKey', key!, ctx.now, { responseElements: { keyId: key!.arn }, idParts: [key!.keyId] })),
      ]);
      return { done: 'deleted', key: key! };
    }
    if (action === 'replicas') {
      // The primary of a multi-region key waits until its last replica is deleted (KMS-REFERENCE §7).
      if ((await replicasOf(ctx.peers, key!)).length > 0) return { done: 'skipped' };
      await ctx.store.updateKey(startPrimaryDeletion(key!, ctx.now));
      return { done: 'scheduled', key: key! };
    }
    if (action === 'warn') {
      // The revision condition makes the warning once-only, even with two runs at once.
      await ctx.store.commitKey(
        { ...key!, deletionWarningSentFor: key!.deletionDate, revision: key!.revision + 1 },
        { outbox: [outboxNotification(deletionWarning(key!, ctx.now))] },
      );
      return { done: 'warned', key: key! };
    }
    return { done: 'skipped' };
  });
}
