/** The pure rotation rules (shared/core/rotation.ts) and the sparse due-date index attributes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  disableRotation,
  enableRotation,
  rotate,
  supportsAutomaticRotation,
} from '../../shared/core/rotation.js';
import type { KeyRecord, WrappedMaterial } from '../../shared/core/types.js';
import { checkOnDemandRotation } from '../../shared/keys/rotation-rules.js';
import { dueDates, isDue } from '../../shared/core/due-dates.js';
import { dueAttributes } from '../../shared/store/due-index.js';
import { testKey } from '../support/key-record.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2027, 0, 1);
const key = (overrides: Partial<KeyRecord> = {}): KeyRecord => testKey({ currentKeyMaterialId: 'a'.repeat(64), ...overrides });
const material = (id: string): WrappedMaterial => ({ keyId: key().keyId, keyMaterialId: id, wrapped: Buffer.alloc(0), rootKeyId: 'r', createdAt: T0 });

test('enabling schedules a period from now; changing the period keeps the cycle start', () => {
  const on = enableRotation(key(), 365, new Date(T0));
  assert.equal(on.nextRotationDate, T0 + 365 * DAY);
  assert.equal(on.revision, 2);
  const changed = enableRotation(on, 90, new Date(T0 + 10 * DAY));
  assert.equal(changed.nextRotationDate, T0 + 90 * DAY);
  const off = disableRotation(changed);
  assert.equal(off.rotationEnabled, false);
  assert.equal(off.nextRotationDate, undefined);
  assert.equal(off.rotationPeriodInDays, undefined);
});

test('due exactly at the next rotation date, only for enabled rotatable keys', () => {
  const on = enableRotation(key(), 90, new Date(T0));
  const due = on.nextRotationDate!;
  assert.equal(isDue(on, 'rotation', due - 1), false);
  assert.equal(isDue(on, 'rotation', due), true);
  assert.equal(isDue({ ...on, keyState: 'Disabled' }, 'rotation', due), false);
  assert.equal(isDue({ ...on, keyState: 'PendingDeletion' }, 'rotation', due), false);
  assert.equal(isDue({ ...on, origin: 'EXTERNAL' }, 'rotation', due), false);
  assert.equal(supportsAutomaticRotation(key({ keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' })), false);
});

test('an automatic rotation moves on by whole periods past now; on-demand keeps the schedule', () => {
  const on = enableRotation(key(), 90, new Date(T0));
  const due = on.nextRotationDate!;
  const onTime = rotate(on, material('b'.repeat(64)), 'AUTOMATIC', new Date(due));
  assert.equal(onTime.nextRotationDate, due + 90 * DAY);
  assert.equal(onTime.currentKeyMaterialId, 'b'.repeat(64));
  const late = rotate(on, material('c'.repeat(64)), 'AUTOMATIC', new Date(due + 200 * DAY));
  assert.equal(late.nextRotationDate, due + 270 * DAY);
  const exactlyTwoLate = rotate(on, material('c'.repeat(64)), 'AUTOMATIC', new Date(due + 180 * DAY));
  assert.equal(exactlyTwoLate.nextRotationDate, due + 270 * DAY, 'a due date equal to now is past');
  const manual = rotate(on, material('d'.repeat(64)), 'ON_DEMAND', new Date(due - DAY));
  assert.equal(manual.nextRotationDate, due);
  assert.equal(manual.onDemandRotationCount, 1);
});

test('on-demand refusals: imported keys, the limit, and an automatic rotation within 20 minutes', () => {
  const now = new Date(T0);
  assert.throws(() => checkOnDemandRotation(key({ origin: 'EXTERNAL' }), now), /No available key material pending rotation/);
  assert.doesNotThrow(() => checkOnDemandRotation(key({ origin: 'EXTERNAL', pendingKeyMaterialId: 'a'.repeat(64) }), now));
  assert.throws(() => checkOnDemandRotation(key({ onDemandRotationCount: 25 }), now), { name: 'LimitExceededException' });
  assert.doesNotThrow(() => checkOnDemandRotation(key({ onDemandRotationCount: 24 }), now));
  const soon = key({ rotationEnabled: true, rotationPeriodInDays: 90, nextRotationDate: T0 + 20 * 60_000 });
  assert.throws(() => checkOnDemandRotation(soon, now), { name: 'ConflictException' });
  assert.doesNotThrow(() => checkOnDemandRotation({ ...soon, nextRotationDate: T0 + 20 * 60_000 + 1 }, now));
});

test('due-date index attributes exist only while a job has work with the key', () => {
  assert.deepEqual(dueAttributes(key()), {});
  const rotating = key({ rotationEnabled: true, nextRotationDate: T0 });
  assert.deepEqual(dueAttributes(rotating), { dueRotationPk: 'us-east-1', dueRotationAt: T0 });
  assert.deepEqual(dueDates({ ...rotating, keyState: 'Disabled' }), {});
  assert.deepEqual(dueDates({ ...rotating, keyState: 'PendingDeletion', deletionDate: T0 + DAY }), { deletion: T0 + DAY });
  const imported = key({ origin: 'EXTERNAL', expirationModel: 'KEY_MATERIAL_EXPIRES', validTo: T0 + 5 * DAY });
  assert.deepEqual(dueDates(imported), { expiry: T0 + 5 * DAY });
  // validTo is the earliest expiry of the key's imported materials: a key lacking one may still have others expire.
  assert.deepEqual(dueDates({ ...imported, currentKeyMaterialId: undefined }), { expiry: T0 + 5 * DAY });
  assert.deepEqual(dueDates({ ...imported, validTo: undefined }), {}, 'nothing imported expires, nothing to do');
  // The current material may not expire while another (pending rotation) does.
  assert.deepEqual(dueDates({ ...imported, expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }), { expiry: T0 + 5 * DAY });
});
