/**
 * Attempts to use a key pending deletion (KMS-REFERENCE §10). AWS refuses them with
 * KMSInvalidStateException and recommends a CloudWatch alarm on them, because such an attempt means
 * something still depends on a key about to be destroyed. Here the refused request counts it twice:
 * a metric (PendingDeletionKeyUse, watched by a CloudWatch alarm in AWS) and a per-key record in the
 * job store, from which the deletion job raises one ALARM notification (SNS in AWS) per batch of new
 * attempts. Pure helpers plus the one recording step the API calls.
 */
import type { KeyRecord } from '../core/types.js';
import { deterministicId } from '../events/kms-events.js';
import type { MetricsRecorder, Notification } from '../core/sinks.js';
import type { Clock } from '../core/environment.js';
import type { JobStore, PendingDeletionUse } from '../store/job-store.js';

export const PENDING_DELETION_KEY_USE_METRIC = 'PendingDeletionKeyUse';

/** The cryptographic operations (KMS-REFERENCE §3 first two rows, and DeriveSharedSecret): using the key. */
const cryptographicOperations: ReadonlySet<string> = new Set([
  'Encrypt',
  'Decrypt',
  'ReEncrypt',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'Sign',
  'Verify',
  'GenerateMac',
  'VerifyMac',
  'GetPublicKey',
  'DeriveSharedSecret',
]);

/** Whether refusing `operation` on `key` is a use of a key pending deletion (what the alarm is about). */
export function isPendingDeletionUse(key: Pick<KeyRecord, 'keyState'>, operation: string): boolean {
  return (key.keyState === 'PendingDeletion' || key.keyState === 'PendingReplicaDeletion') && cryptographicOperations.has(operation);
}

export interface UseRecordingContext {
  jobStore: Pick<JobStore, 'recordPendingDeletionUse'>;
  metrics: MetricsRecorder;
  clock: Clock;
}

/**
 * Called on a request the key-state check refused: if it was a cryptographic use of a key pending
 * deletion, counts it. Never throws: the caller must still get its KMSInvalidStateException, so a store
 * failure only loses the record (the metric is already counted).
 */
export async function notePendingDeletionUse(ctx: UseRecordingContext, key: KeyRecord, operation: string): Promise<void> {
  if (!isPendingDeletionUse(key, operation)) return;
  ctx.metrics.count(PENDING_DELETION_KEY_USE_METRIC);
  try {
    await ctx.jobStore.recordPendingDeletionUse(key, ctx.clock.now().getTime(), operation);
  } catch {
    // best effort: see above
  }
}

/**
 * The ALARM for the attempts of a record not yet reported. The id is deterministic (key, episode, count),
 * so two runs, or a re-run after a crash, describe the same alarm with the same id.
 */
export function pendingDeletionUseAlarm(use: PendingDeletionUse, region: string, time: Date): Notification {
  const attempts = use.count - use.notifiedCount;
  const last = new Date(use.lastUse).toISOString();
  return {
    id: deterministicId('pending-deletion-use', use.keyId, use.firstUse ?? 0, use.count),
    severity: 'ALARM',
    subject: `KMS key pending deletion was used: ${use.keyId}`,
    message:
      `${attempts} attempt${attempts === 1 ? '' : 's'} to use ${use.keyArn}, which is pending deletion, ` +
      `${attempts === 1 ? 'was' : 'were'} refused (last: ${use.lastOperation ?? 'unknown operation'} at ${last}). ` +
      'Something still depends on this key: cancel its deletion (CancelKeyDeletion) if it is still needed.',
    time: time.toISOString(),
    region,
    account: use.account,
    keyArn: use.keyArn,
    details: {
      keyId: use.keyId,
      attempts,
      totalAttempts: use.count,
      lastOperation: use.lastOperation,
      lastUse: last,
      firstUse: use.firstUse === undefined ? undefined : new Date(use.firstUse).toISOString(),
    },
  };
}
