import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cancelDeletion, checkKeyState, disable, enable, keyStateTable, scheduleDeletion } from '../../shared/core/key-state.js';
import type { KeyRecord, KeyState } from '../../shared/core/types.js';
import { KmsError } from '../../shared/errors.js';
import { testKey } from '../support/key-record.js';

const arn = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-44cd-96ef-1234567890ab';
const key = (keyState: KeyState): KeyRecord => testKey({ keyState });

function outcome(state: KeyState, operation: keyof typeof keyStateTable): string {
  try {
    checkKeyState(key(state), operation);
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof KmsError);
    return `${e.type}: ${e.message}`;
  }
}

test('cryptographic operations follow AWS key-state table messages', () => {
  assert.equal(outcome('Enabled', 'Encrypt'), 'ok');
  assert.equal(outcome('Disabled', 'Encrypt'), `DisabledException: ${arn} is disabled.`);
  assert.equal(outcome('PendingDeletion', 'Decrypt'), `KMSInvalidStateException: ${arn} is pending deletion.`);
  assert.equal(outcome('PendingImport', 'GenerateDataKey'), `KMSInvalidStateException: ${arn} is pending import.`);
  assert.equal(outcome('Unavailable', 'ReEncrypt'), `KMSInvalidStateException: ${arn} is unavailable.`);
  assert.equal(outcome('Updating', 'Encrypt'), 'ok');
});

test('management operations: the rows of the table', () => {
  for (const state of Object.keys(keyStateTable.DescribeKey) as KeyState[]) assert.equal(outcome(state, 'DescribeKey'), 'ok');
  assert.equal(outcome('Disabled', 'CreateAlias'), 'ok');
  assert.match(outcome('PendingDeletion', 'CreateAlias'), /pending deletion/);
  assert.match(outcome('PendingDeletion', 'TagResource'), /pending deletion/);
  assert.match(outcome('PendingDeletion', 'EnableKey'), /pending deletion/);
  assert.match(outcome('Updating', 'DisableKey'), /is updating\.$/);
  assert.match(outcome('PendingDeletion', 'ScheduleKeyDeletion'), /pending deletion/);
  assert.equal(outcome('PendingDeletion', 'CancelKeyDeletion'), 'ok');
  assert.equal(outcome('Enabled', 'CancelKeyDeletion'), `KMSInvalidStateException: ${arn} is not pending deletion.`);
  assert.equal(outcome('Disabled', 'CancelKeyDeletion'), `KMSInvalidStateException: ${arn} is not pending deletion.`);
});

test('transitions are pure and bump the revision', () => {
  const enabled = key('Enabled');
  const disabled = disable(enabled);
  assert.equal(disabled.keyState, 'Disabled');
  assert.equal(disabled.revision, 2);
  assert.equal(enabled.keyState, 'Enabled', 'the input is not changed');
  assert.equal(enable(disabled).keyState, 'Enabled');

  const now = new Date('2026-01-01T00:00:00Z');
  const pending = scheduleDeletion(enabled, 7, now);
  assert.equal(pending.keyState, 'PendingDeletion');
  assert.equal(pending.deletionDate, Date.parse('2026-01-08T00:00:00Z'));
  assert.equal(pending.pendingWindowInDays, 7);
  const cancelled = cancelDeletion(pending);
  assert.equal(cancelled.keyState, 'Disabled', 'AWS leaves a cancelled key Disabled');
  assert.equal(cancelled.deletionDate, undefined);
  assert.equal(cancelled.pendingWindowInDays, undefined);
  const imported = { ...pending, origin: 'EXTERNAL' as const, currentKeyMaterialId: undefined };
  assert.equal(cancelDeletion(imported).keyState, 'PendingImport', 'an imported key that lost its material waits for an import');
  assert.equal(cancelDeletion({ ...imported, currentKeyMaterialId: 'a'.repeat(64) }).keyState, 'Disabled');
});
