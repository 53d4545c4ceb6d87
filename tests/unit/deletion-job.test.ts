/**
 * The deletion job's pure rules (when a key is deleted or warned about, the notifications and their ids,
 * which refused requests count as use of a key pending deletion) and its control flow with plain fakes of
 * its ports (a failing key does not stop the others; a lost race re-reads; a crash before the cleanup
 * leaves it to the next run). The DynamoDB behaviour is tested in tests/integration/kms-deletion-job.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KeyRecord, KeyState } from '../../shared/core/types.js';
import type { JobContext } from '../../shared/jobs/context.js';
import { deletionAction, deletionJob, deletionWarning } from '../../shared/jobs/deletion-job.js';
import type { CleanupEntry, JobStore, PendingDeletionUse } from '../../shared/store/job-store.js';
import {
  isPendingDeletionUse,
  notePendingDeletionUse,
  PENDING_DELETION_KEY_USE_METRIC,
  pendingDeletionUseAlarm,
} from '../../shared/keys/pending-deletion-use.js';
import { ConditionFailedError, type KeyStore } from '../../shared/store/ports.js';
import { type Notification, type OutboxEntry } from '../../shared/core/sinks.js';
import { testKey } from '../support/key-record.js';

const DAY = 86_400_000;
const T = Date.UTC(2030, 0, 15, 12, 0, 0, 0);
const keyId = '1234abcd-12ab-44cd-96ef-1234567890ab';

const key = (over: Partial<KeyRecord> = {}): KeyRecord =>
  testKey({ region: 'eu-north-1', keyState: 'PendingDeletion', deletionDate: T, pendingWindowInDays: 7, revision: 3, ...over });

test('a key is deleted at its DeletionDate exactly, and not a millisecond before', () => {
  assert.equal(deletionAction(key(), T), 'delete');
  assert.equal(deletionAction(key(), T + 1), 'delete');
  assert.equal(deletionAction(key(), T + 30 * DAY), 'delete');
  assert.equal(deletionAction(key(), T - 1), 'warn');
  assert.equal(deletionAction(key({ deletionWarningSentFor: T }), T - 1), 'skip');
});

test('the warning goes out within a day of the deletion, once per DeletionDate', () => {
  assert.equal(deletionAction(key(), T - DAY), 'warn');
  assert.equal(deletionAction(key(), T - DAY - 1), 'skip');
  assert.equal(deletionAction(key({ deletionWarningSentFor: T }), T - DAY), 'skip');
  // Cancelled and scheduled again: a new DeletionDate gets its own warning.
  assert.equal(deletionAction(key({ deletionDate: T + 5, deletionWarningSentFor: T }), T), 'warn');
});

test('keys not pending deletion, or gone, are left alone', () => {
  assert.equal(deletionAction(undefined, T), 'skip');
  for (const state of ['Enabled', 'Disabled', 'PendingImport', 'Creating', 'Unavailable', 'Updating'] as KeyState[]) {
    assert.equal(deletionAction(key({ keyState: state }), T + DAY), 'skip', state);
  }
  // A primary waiting for its replicas is only checked for them, never deleted (tests/unit/multi-region.test.ts).
  assert.equal(deletionAction(key({ keyState: 'PendingReplicaDeletion' }), T + DAY), 'replicas');
  assert.equal(deletionAction(key({ deletionDate: undefined }), T), 'skip');
});

test('the warning: WARNING, deterministic id per key and DeletionDate, names the key and the date', () => {
  const a = deletionWarning(key(), new Date(T - 3600_000));
  const b = deletionWarning(key(), new Date(T - 60_000));
  assert.equal(a.severity, 'WARNING');
  assert.equal(a.id, b.id);
  assert.notEqual(a.id, deletionWarning(key({ deletionDate: T + 1 }), new Date(T)).id);
  assert.equal(a.keyArn, key().arn);
  assert.equal(a.account, '111122223333');
  assert.equal(a.region, 'eu-north-1');
  assert.match(a.message, /2030-01-15T12:00:00\.000Z/);
  assert.ok(a.subject.length <= 100, 'SNS subjects are at most 100 characters');
});

const use = (over: Partial<PendingDeletionUse> = {}): PendingDeletionUse => ({
  keyId,
  account: '111122223333',
  keyArn: key().arn,
  count: 3,
  notifiedCount: 1,
  firstUse: T - DAY,
  lastUse: T - 60_000,
  lastOperation: 'Decrypt',
  ...over,
});

test('the alarm: ALARM, one id per key, episode and count; reports the new attempts', () => {
  const alarm = pendingDeletionUseAlarm(use(), 'eu-north-1', new Date(T));
  assert.equal(alarm.severity, 'ALARM');
  assert.equal(alarm.id, pendingDeletionUseAlarm(use(), 'eu-north-1', new Date(T + DAY)).id);
  assert.notEqual(alarm.id, pendingDeletionUseAlarm(use({ count: 4 }), 'eu-north-1', new Date(T)).id);
  // After a cancel the record is forgotten; a later episode counts from 1 again and must not reuse an id.
  assert.notEqual(alarm.id, pendingDeletionUseAlarm(use({ firstUse: T + 2 * DAY }), 'eu-north-1', new Date(T)).id);
  assert.equal(alarm.details?.attempts, 2);
  assert.equal(alarm.details?.lastOperation, 'Decrypt');
  assert.match(alarm.message, /^2 attempts to use arn:aws:kms:eu-north-1:111122223333:key\/.* were refused \(last: Decrypt at /);
  assert.ok(alarm.subject.length <= 100);
});

test('only cryptographic operations on a key pending deletion count as its use', () => {
  for (const operation of ['Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'Sign', 'GenerateMac']) {
    assert.equal(isPendingDeletionUse({ keyState: 'PendingDeletion' }, operation), true, operation);
    assert.equal(isPendingDeletionUse({ keyState: 'PendingReplicaDeletion' }, operation), true, operation);
    assert.equal(isPendingDeletionUse({ keyState: 'Disabled' }, operation), false, operation);
  }
  for (const operation of ['EnableKey', 'CreateAlias', 'TagResource', 'CreateGrant', 'ScheduleKeyDeletion']) {
    assert.equal(isPendingDeletionUse({ keyState: 'PendingDeletion' }, operation), false, operation);
  }
});

test('a refused use counts the metric and the record; a store failure is swallowed', async () => {
  const counted: string[] = [];
  const recorded: [string, number, string][] = [];
  const ctx = {
    metrics: { count: (name: string) => void counted.push(name) },
    clock: { now: () => new Date(T) },
    jobStore: {
      recordPendingDeletionUse: async (k: KeyRecord, at: number, op: string) => void recorded.push([k.keyId, at, op]),
    },
  };
  await notePendingDeletionUse(ctx, key(), 'Encrypt');
  await notePendingDeletionUse(ctx, key({ keyState: 'Disabled' }), 'Encrypt');
  await notePendingDeletionUse(ctx, key(), 'EnableKey');
  assert.deepEqual(counted, [PENDING_DELETION_KEY_USE_METRIC]);
  assert.deepEqual(recorded, [[keyId, T, 'Encrypt']]);
  ctx.jobStore.recordPendingDeletionUse = async () => {
    throw new Error('throttled');
  };
  await notePendingDeletionUse(ctx, key(), 'Decrypt'); // does not throw
  assert.deepEqual(counted, [PENDING_DELETION_KEY_USE_METRIC, PENDING_DELETION_KEY_USE_METRIC]);
});

/** Plain fakes of the job's ports (no store semantics beyond what the job relies on). */
function fakes(keys: KeyRecord[]) {
  const stored = new Map(keys.map((k) => [k.keyId, k]));
  const cleanups = new Map<string, CleanupEntry>();
  const outbox = new Map<string, OutboxEntry>();
  const delivered: Notification[] = [];
  const calls = { getKey: 0, cleanupFails: new Set<string>(), deleteFails: new Set<string>(), staleOnce: new Set<string>() };
  const store: Partial<KeyStore> = {
    async getKey(id) {
      calls.getKey++;
      const k = stored.get(id);
      // A stale cached read: an older revision, once.
      if (k && calls.staleOnce.delete(id)) return { ...k, revision: k.revision - 1 };
      return k;
    },
    async deleteKey(k, entries) {
      if (calls.deleteFails.has(k.keyId)) throw new Error('boom');
      if (stored.get(k.keyId)?.revision !== k.revision) throw new ConditionFailedError('revision');
      stored.delete(k.keyId);
      cleanups.set(k.keyId, { keyId: k.keyId, account: k.account, multiRegion: k.multiRegion });
      for (const e of entries) outbox.set(e.id, e);
    },
    async commitKey(next, effects) {
      if (stored.get(next.keyId)?.revision !== next.revision - 1) throw new ConditionFailedError('revision');
      stored.set(next.keyId, next);
      for (const e of effects.outbox ?? []) outbox.set(e.id, e);
    },
  };
  const jobStore: Partial<JobStore> = {
    async dueKeys(_job, until) {
      const items = [...stored.values()]
        .filter((k) => k.keyState === 'PendingDeletion' && k.deletionDate! <= until)
        .map((k) => ({ keyId: k.keyId, dueAt: k.deletionDate! }));
      return { items };
    },
    async listCleanups() {
      return [...cleanups.values()];
    },
    async cleanupKey(entry) {
      if (calls.cleanupFails.has(entry.keyId)) throw new Error('killed');
      cleanups.delete(entry.keyId);
      return 1;
    },
    async pendingDeletionUses() {
      return [];
    },
    async listOutbox() {
      return [...outbox.values()];
    },
    async claimOutbox() {
      return true;
    },
    async deleteOutbox(id) {
      outbox.delete(id);
    },
  };
  const ctx = (now: number): JobContext =>
    ({
      region: 'eu-north-1',
      now: new Date(now),
      store: store as KeyStore,
      jobStore: jobStore as JobStore,
      eventSource: 'aws.kms',
      sinks: {
        events: { publish: async () => {} },
        audit: { write: async () => {} },
        notifier: { notify: async (n: Notification[]) => void delivered.push(...n) },
      },
      log: () => {},
    }) as unknown as JobContext;
  return { stored, cleanups, outbox, delivered, calls, ctx };
}

test('a failing key is reported and the others are still done', async () => {
  const a = key({ keyId: 'aaaaaaaa-0000-4000-8000-000000000001' });
  const b = key({ keyId: 'aaaaaaaa-0000-4000-8000-000000000002' });
  const c = key({ keyId: 'aaaaaaaa-0000-4000-8000-000000000003', deletionDate: T + 3600_000 });
  const f = fakes([a, b, c]);
  f.calls.deleteFails.add(a.keyId);
  const report = await deletionJob(f.ctx(T));
  assert.equal(report.due, 3);
  assert.equal(report.done, 1);
  assert.deepEqual(report.failures.map((x) => x.keyId), [a.keyId]);
  assert.equal(report.extra?.warnings, 1);
  assert.ok(f.stored.has(a.keyId) && !f.stored.has(b.keyId));
  assert.equal(f.delivered.length, 1);
  assert.equal(f.delivered[0]!.severity, 'WARNING');
});

test('a stale read loses the conditional write, is read again and done', async () => {
  const f = fakes([key()]);
  f.calls.staleOnce.add(keyId);
  const report = await deletionJob(f.ctx(T));
  assert.deepEqual(report.failures, []);
  assert.equal(report.done, 1);
  assert.equal(f.stored.size, 0);
});

test('killed between the deletion and its cleanup: the next run finishes the cleanup', async () => {
  const f = fakes([key()]);
  f.calls.cleanupFails.add(keyId);
  const first = await deletionJob(f.ctx(T));
  assert.equal(first.done, 1);
  assert.equal(first.failures.length, 1);
  assert.equal(f.cleanups.size, 1, 'the cleanup marker stays');
  f.calls.cleanupFails.clear();
  const second = await deletionJob(f.ctx(T + 60_000));
  assert.deepEqual(second.failures, []);
  assert.equal(second.extra?.cleanups, 1);
  assert.equal(second.done, 0);
  assert.equal(f.cleanups.size, 0);
});
