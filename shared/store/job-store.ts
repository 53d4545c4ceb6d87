/**
 * What the scheduled jobs need from the store besides the KeyStore (conventions: ports and adapters):
 * the sparse due-date indexes, the transactional outbox, the cleanup of deleted keys and the record of
 * attempts to use keys pending deletion. DynamoDB adapter: shared/store/dynamo-job-store.ts.
 */
import type { KeyRecord } from '../core/types.js';
import type { OutboxEntry } from '../core/sinks.js';
import type { DueJob } from './due-index.js';

export interface DueEntry {
  keyId: string;
  dueAt: number;
}

export interface StoredOutboxEntry extends OutboxEntry {
  /** Until when a delivering job run holds it (epoch ms); another run leaves it alone meanwhile. */
  claimedUntil?: number;
}

export interface CleanupEntry {
  keyId: string;
  account: string;
  multiRegion: boolean;
  /** The deleted key was a multi-region primary: the shared material and item are its to delete. */
  sharedOwner?: boolean;
}

export interface PendingDeletionUse {
  keyId: string;
  account: string;
  keyArn: string;
  /** Attempts so far, and how many of them an alarm has already reported. */
  count: number;
  notifiedCount: number;
  /** When the first attempt of this record was made: with `count`, it makes alarm ids unique per episode. */
  firstUse?: number;
  lastUse: number;
  lastOperation?: string;
}

/** An operator's declaration that a region failed, kept in the recovery region (shared/recovery/failed-regions.ts). */
export interface FailedRegion {
  failedRegion: string;
  declaredAt: number;
  declaredBy: string;
  reason?: string;
}

export interface JobStore {
  /** This region's keys with `job` due at or before `until` (epoch ms), soonest first, one page. */
  dueKeys(job: DueJob, until: number, limit: number, after?: string): Promise<{ items: DueEntry[]; next?: string }>;

  /** Outbox entries of this region not yet delivered (oldest writes first is not guaranteed). */
  listOutbox(limit: number): Promise<StoredOutboxEntry[]>;
  /** Takes an entry for delivery until `until`; false if another run holds it or it is gone. */
  claimOutbox(id: string, now: number, until: number): Promise<boolean>;
  deleteOutbox(id: string): Promise<void>;
  /** Gives a claim back (delivery failed), so the next run may deliver the entry at once. */
  releaseOutbox(id: string): Promise<void>;
  /** Outbox entries not tied to a key write (alarms raised by a job). */
  putOutbox(entries: OutboxEntry[]): Promise<void>;

  /** Keys deleted whose aliases, grants and materials may still exist. */
  listCleanups(limit: number): Promise<CleanupEntry[]>;
  /** Deletes what hangs off a deleted key, then its cleanup marker; safe to repeat. Returns items deleted. */
  cleanupKey(entry: CleanupEntry): Promise<number>;

  /** Whether a once-only marker (KeyEffects.idempotencyKey) exists: the work it stands for was done. */
  hasOnceMarker(key: string): Promise<boolean>;

  /** Counts an attempt to use a key pending deletion (the API calls it on the refused request). */
  recordPendingDeletionUse(key: KeyRecord, at: number, operation: string): Promise<void>;
  /** One page of the records, by key id; `after` is the last key id of the previous page. */
  pendingDeletionUses(limit: number, after?: string): Promise<PendingDeletionUse[]>;
  /** Records that attempts up to `count` were reported; false if another run reported them first. */
  markPendingDeletionUseNotified(keyId: string, previous: number, count: number): Promise<boolean>;
  /**
   * markPendingDeletionUseNotified and the outbox entries (the alarm) in one transaction: a crash can
   * neither report attempts without their alarm nor raise the alarm twice. False if another run did it.
   */
  reportPendingDeletionUse(keyId: string, previous: number, count: number, outbox: OutboxEntry[]): Promise<boolean>;
  /**
   * Forgets the attempts of a key (cancelled or deleted). With `onlyIfReported`, only when every attempt
   * has been reported (count = notifiedCount); returns whether a record was deleted.
   */
  clearPendingDeletionUse(keyId: string, options?: { onlyIfReported?: boolean }): Promise<boolean>;

  /** The regions declared failed for which this region is the recovery region. */
  failedRegions(): Promise<FailedRegion[]>;
  /** Records (or, with `withdraw`, removes) a declaration together with its audit record (outbox), in one transaction. */
  setFailedRegion(declaration: FailedRegion, withdraw: boolean, outbox: OutboxEntry[]): Promise<void>;
}
