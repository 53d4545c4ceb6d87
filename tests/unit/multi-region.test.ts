/**
 * The pure rules of multi-region keys: which fields the shared item holds and how a region's key is
 * read with it, which item carries the rotation due date, the deletion job's decision for a primary
 * waiting for its replicas, and the configuration of the global table and of recovery decrypts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../shared/config.js';
import { dueDates } from '../../shared/core/due-dates.js';
import { scheduleReplicaDeletion, startPrimaryDeletion } from '../../shared/core/key-state.js';
import { isPrimary, isReplica, REPLICA_CREATION_MS, settled } from '../../shared/core/multi-region.js';
import { deletionAction } from '../../shared/jobs/deletion-job.js';
import { declareRegionFailed, RecoveryRefused } from '../../shared/recovery/failed-regions.js';
import { dueAttributes, sharedDueAttributes } from '../../shared/store/due-index.js';
import { sharedFields, withShared } from '../../shared/store/multi-region-item.js';
import { testKey } from '../support/key-record.js';

const MRK = 'mrk-0123456789abcdef0123456789abcdef';
const DAY = 86_400_000;
const primary = testKey({ keyId: MRK, multiRegion: true, primaryRegion: 'us-east-1', rotationEnabled: true, rotationPeriodInDays: 365, nextRotationDate: 5_000 });
const replica = testKey({ keyId: MRK, region: 'us-west-2', multiRegion: true, primaryRegion: 'us-east-1' });

test('primary and replica follow primaryRegion; single-region keys are neither', () => {
  assert.equal(isPrimary(primary), true);
  assert.equal(isReplica(primary), false);
  assert.equal(isPrimary(replica), false);
  assert.equal(isReplica(replica), true);
  assert.equal(isPrimary(testKey()), false);
  assert.equal(isReplica(testKey()), false);
  // A key stored before primaryRegion existed is the primary of its own region.
  assert.equal(isPrimary(testKey({ keyId: MRK, multiRegion: true })), true);
});

test('the shared item holds material and rotation; a region reads its own key with them laid over', () => {
  const shared = sharedFields({ ...primary, currentKeyMaterialId: 'm2', onDemandRotationCount: 3 });
  assert.deepEqual(shared, {
    primaryRegion: 'us-east-1',
    currentKeyMaterialId: 'm2',
    rotationEnabled: true,
    rotationPeriodInDays: 365,
    nextRotationDate: 5_000,
    onDemandRotationCount: 3,
  });
  const stale = { ...replica, currentKeyMaterialId: 'm1', description: 'south', keyState: 'Disabled' as const };
  const read = withShared(stale, { ...shared, pk: 'MRK#x', dueRotationAt: 1 });
  assert.equal(read.currentKeyMaterialId, 'm2');
  assert.equal(read.rotationEnabled, true);
  assert.equal(read.onDemandRotationCount, 3);
  // Per-region fields stay the region's own; nothing else of the item leaks into the record.
  assert.equal(read.description, 'south');
  assert.equal(read.keyState, 'Disabled');
  assert.equal(read.region, 'us-west-2');
  assert.equal((read as unknown as Record<string, unknown>).pk, undefined);
  assert.equal((read as unknown as Record<string, unknown>).dueRotationAt, undefined);
  // Rotation disabled on the primary (fields absent in the shared item) is disabled everywhere.
  const disabled = withShared({ ...replica, rotationEnabled: true }, { primaryRegion: 'us-east-1' });
  assert.equal(disabled.rotationEnabled, undefined);
  // Without a shared item the region's copy stands.
  assert.equal(withShared(stale, undefined).currentKeyMaterialId, 'm1');
});

test('the rotation of a multi-region key is due on the shared item, in the primary region only', () => {
  assert.deepEqual(dueAttributes(primary), {});
  assert.deepEqual(sharedDueAttributes(primary), { dueRotationPk: 'us-east-1', dueRotationAt: 5_000 });
  const replicaWithRotation = { ...replica, rotationEnabled: true, nextRotationDate: 5_000 };
  assert.equal(dueDates(replicaWithRotation).rotation, undefined);
  // The new primary after UpdatePrimaryRegion: its region owns the due date.
  assert.deepEqual(sharedDueAttributes({ ...replicaWithRotation, primaryRegion: 'us-west-2' }), { dueRotationPk: 'us-west-2', dueRotationAt: 5_000 });
  // A single-region key keeps its rotation on its own item.
  assert.deepEqual(dueAttributes(testKey({ rotationEnabled: true, nextRotationDate: 7 })), { dueRotationPk: 'us-east-1', dueRotationAt: 7 });
});

test('a primary waiting for its replicas is checked by the deletion job, and deleted only after its own window', () => {
  const now = new Date(1_000 * DAY);
  const waiting = scheduleReplicaDeletion(primary, 7, now);
  assert.equal(waiting.keyState, 'PendingReplicaDeletion');
  assert.equal(waiting.pendingWindowInDays, 7);
  assert.deepEqual(dueAttributes(waiting), { dueDeletionPk: 'us-east-1', dueDeletionAt: now.getTime() });
  assert.equal(deletionAction(waiting, now.getTime() - 1), 'skip');
  assert.equal(deletionAction(waiting, now.getTime() + 40 * DAY), 'replicas'); // never 'delete' while waiting
  const started = startPrimaryDeletion(waiting, new Date(now.getTime() + 9 * DAY));
  assert.equal(started.keyState, 'PendingDeletion');
  assert.equal(started.deletionDate, now.getTime() + 16 * DAY);
  assert.equal(deletionAction(started, now.getTime() + 16 * DAY), 'delete');
});

test('KMS_REGIONS names the global table (default us-east-1 and us-west-2); recovery decrypts are off by default', () => {
  const base = { KMS_ROOT_KEY: '00'.repeat(32) };
  assert.deepEqual(loadConfig(base).regions, ['us-east-1', 'us-west-2']);
  assert.equal(loadConfig(base).recoveryDecrypt, false);
  assert.deepEqual(loadConfig({ ...base, KMS_REGIONS: ' eu-west-1, eu-central-1 ,eu-west-1' }).regions, ['eu-west-1', 'eu-central-1']);
  assert.equal(loadConfig({ ...base, KMS_RECOVERY_DECRYPT: 'true' }).recoveryDecrypt, true);
  assert.throws(() => loadConfig({ ...base, KMS_REGIONS: 'us-east-1,moon' }), ConfigError);
  assert.throws(() => loadConfig({ ...base, KMS_RECOVERY_DECRYPT: 'yes please' }), ConfigError);
});

test('a region can be declared failed only when recovery decrypts are on, for another region of the global table', async () => {
  const untouchable = new Proxy({}, { get: () => assert.fail('nothing may be written') }) as never;
  const ctx = { region: 'us-west-2', jobStore: untouchable, sinks: untouchable, peers: { regions: ['us-east-1', 'us-west-2'] } as never };
  const request = { failedRegion: 'us-east-1', declaredBy: 'ops', now: new Date() };
  await assert.rejects(declareRegionFailed({ ...ctx, recoveryDecrypt: false }, request), RecoveryRefused);
  await assert.rejects(declareRegionFailed({ ...ctx, recoveryDecrypt: true }, { ...request, failedRegion: 'us-west-2' }), RecoveryRefused);
  await assert.rejects(declareRegionFailed({ ...ctx, recoveryDecrypt: true }, { ...request, failedRegion: 'eu-west-1' }), RecoveryRefused);
});

test('a new replica is Creating for a moment, then Enabled without any write', () => {
  const creating = { ...replica, keyState: 'Creating' as const, creationDate: 10_000 };
  assert.equal(settled(creating, 10_000 + REPLICA_CREATION_MS - 1).keyState, 'Creating');
  assert.equal(settled(creating, 10_000 + REPLICA_CREATION_MS).keyState, 'Enabled');
  // Other states are left alone, however old the key.
  assert.equal(settled({ ...replica, keyState: 'Disabled' }, 1e15).keyState, 'Disabled');
});
