/**
 * Key rotation through the real SDK: the rotation operations, the rotation job run "as of" chosen
 * instants (tests/integration/jobs.ts), EventBridge rotation requests, and the events the rotations send.
 * Jobs act on every due key of a region, so this file keeps its keys in a region of its own.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { endpoint, expectKmsError, kms, KEY_MATERIAL_ID_RE, utf8, assertBytesEqual, ACCOUNT } from './helpers.js';
import { DAY_MS, dataDir, daysFrom, readJsonLines, runJob } from './jobs.js';

const REGION = 'sa-east-1';
const client = () => kms(REGION);

async function newKey() {
  const { KeyMetadata } = await client().createKey({ Description: 'rotation test' });
  return KeyMetadata!;
}

async function currentMaterial(keyId: string) {
  return (await client().describeKey({ KeyId: keyId })).KeyMetadata!.CurrentKeyMaterialId!;
}

async function rotations(keyId: string, all = false) {
  const out = await client().listKeyRotations({ KeyId: keyId, IncludeKeyMaterial: all ? 'ALL_KEY_MATERIAL' : undefined });
  return out.Rotations ?? [];
}

function rotationEventsOf(keyId: string) {
  return readJsonLines('events.jsonl').filter((e) => e['detail-type'] === 'KMS CMK Rotation' && e.detail['key-id'] === keyId);
}

async function encrypt(keyId: string, text: string) {
  return (await client().encrypt({ KeyId: keyId, Plaintext: utf8(text), EncryptionContext: { purpose: 'rotation' } })).CiphertextBlob!;
}

async function decryptsTo(blob: Uint8Array, text: string) {
  const out = await client().decrypt({ CiphertextBlob: blob, EncryptionContext: { purpose: 'rotation' } });
  assertBytesEqual(out.Plaintext, utf8(text), 'plaintext after rotation');
}

describe('EnableKeyRotation / GetKeyRotationStatus / DisableKeyRotation', () => {
  test('a new key does not rotate; enabling schedules the next rotation a period from now', async () => {
    const key = await newKey();
    const before = await client().getKeyRotationStatus({ KeyId: key.KeyId });
    assert.equal(before.KeyRotationEnabled, false);
    assert.equal(before.KeyId, key.Arn);
    assert.equal(before.RotationPeriodInDays, undefined);
    assert.equal(before.NextRotationDate, undefined);

    const enabledAt = Date.now();
    await client().enableKeyRotation({ KeyId: key.KeyId });
    const status = await client().getKeyRotationStatus({ KeyId: key.Arn });
    assert.equal(status.KeyRotationEnabled, true);
    assert.equal(status.RotationPeriodInDays, 365);
    const next = status.NextRotationDate!.getTime();
    assert.ok(Math.abs(next - (enabledAt + 365 * DAY_MS)) < 60_000, `NextRotationDate ${status.NextRotationDate?.toISOString()}`);
  });

  test('a custom period, then disabling', async () => {
    const key = await newKey();
    await client().enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 90 });
    const status = await client().getKeyRotationStatus({ KeyId: key.KeyId });
    assert.equal(status.RotationPeriodInDays, 90);
    assert.ok(Math.abs(status.NextRotationDate!.getTime() - (Date.now() + 90 * DAY_MS)) < 60_000);

    await client().disableKeyRotation({ KeyId: key.KeyId });
    const off = await client().getKeyRotationStatus({ KeyId: key.KeyId });
    assert.equal(off.KeyRotationEnabled, false);
    assert.equal(off.RotationPeriodInDays, undefined);
    assert.equal(off.NextRotationDate, undefined);
  });

  test('periods outside 90-2560 days are refused with the model’s wording', async () => {
    const key = await newKey();
    await expectKmsError(
      client().enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 89 }),
      'ValidationException',
      "1 validation error detected: Value '89' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value greater than or equal to 90",
    );
    await expectKmsError(
      client().enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 2561 }),
      'ValidationException',
      "1 validation error detected: Value '2561' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value less than or equal to 2560",
    );
    assert.equal((await client().getKeyRotationStatus({ KeyId: key.KeyId })).KeyRotationEnabled, false);
  });

  test('key states: disabled keys refuse changes; pending deletion reads false and cancelling restores it', async () => {
    const key = await newKey();
    await client().enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 180 });
    await client().disableKey({ KeyId: key.KeyId });
    await expectKmsError(client().enableKeyRotation({ KeyId: key.KeyId }), 'DisabledException', `${key.Arn} is disabled.`);
    await expectKmsError(client().disableKeyRotation({ KeyId: key.KeyId }), 'DisabledException', `${key.Arn} is disabled.`);
    assert.equal((await client().getKeyRotationStatus({ KeyId: key.KeyId })).KeyRotationEnabled, true);

    await client().scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 });
    assert.equal((await client().getKeyRotationStatus({ KeyId: key.KeyId })).KeyRotationEnabled, false);
    await expectKmsError(client().enableKeyRotation({ KeyId: key.KeyId }), 'KMSInvalidStateException', `${key.Arn} is pending deletion.`);
    await client().cancelKeyDeletion({ KeyId: key.KeyId });
    const restored = await client().getKeyRotationStatus({ KeyId: key.KeyId });
    assert.equal(restored.KeyRotationEnabled, true);
    assert.equal(restored.RotationPeriodInDays, 180);
  });

  test('aliases are not accepted, unknown keys are NotFound', async () => {
    await expectKmsError(client().getKeyRotationStatus({ KeyId: 'alias/nope' }), 'NotFoundException', "Invalid keyId 'alias/nope'");
    const missing = randomUUID();
    await expectKmsError(
      client().enableKeyRotation({ KeyId: missing }),
      'NotFoundException',
      `Key 'arn:aws:kms:${REGION}:${ACCOUNT}:key/${missing}' does not exist`,
    );
  });

  test('an AWS managed key always rotates yearly and its rotation cannot be changed', async () => {
    const managed = (await client().describeKey({ KeyId: 'alias/aws/ssm' })).KeyMetadata!;
    const status = await client().getKeyRotationStatus({ KeyId: managed.KeyId });
    assert.equal(status.KeyRotationEnabled, true);
    assert.equal(status.RotationPeriodInDays, 365);
    await expectKmsError(client().disableKeyRotation({ KeyId: managed.KeyId }), 'AccessDeniedException');
    await expectKmsError(client().rotateKeyOnDemand({ KeyId: managed.KeyId }), 'AccessDeniedException');
  });
});

describe('RotateKeyOnDemand and ListKeyRotations', () => {
  test('each on-demand rotation makes a new current material; old ciphertexts still decrypt', async () => {
    const key = await newKey();
    const first = await currentMaterial(key.KeyId!);
    const before = await encrypt(key.KeyId!, 'before');
    const out = await client().rotateKeyOnDemand({ KeyId: key.KeyId });
    assert.equal(out.KeyId, key.Arn);
    const second = await currentMaterial(key.KeyId!);
    assert.match(second, KEY_MATERIAL_ID_RE);
    assert.notEqual(second, first);
    const after = await encrypt(key.KeyId!, 'after');
    await decryptsTo(before, 'before');
    await decryptsTo(after, 'after');
    const decrypted = await client().decrypt({ CiphertextBlob: after, EncryptionContext: { purpose: 'rotation' } });
    assert.equal(decrypted.KeyMaterialId, second);

    const listed = await rotations(key.KeyId!);
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.KeyMaterialId, second);
    assert.equal(listed[0]!.RotationType, 'ON_DEMAND');
    assert.equal(listed[0]!.KeyMaterialState, 'CURRENT');
    assert.ok(listed[0]!.RotationDate instanceof Date);

    const all = await rotations(key.KeyId!, true);
    assert.deepEqual(
      all.map((r) => [r.KeyMaterialId, r.KeyMaterialState, r.RotationType]),
      [
        [first, 'NON_CURRENT', undefined],
        [second, 'CURRENT', 'ON_DEMAND'],
      ],
    );
    assert.equal(all[0]!.RotationDate, undefined);
    // The schedule is untouched by an on-demand rotation.
    assert.equal((await client().getKeyRotationStatus({ KeyId: key.KeyId })).KeyRotationEnabled, false);
    const events = rotationEventsOf(key.KeyId!);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.detail['rotation-type'], 'ON_DEMAND');
    assert.equal(events[0]!.detail['previous-key-material-id'], first);
    assert.equal(events[0]!.detail['current-key-material-id'], second);
    assert.deepEqual(events[0]!.resources, [key.Arn]);
    assert.equal(events[0]!.source, 'aws.kms');
  });

  test('at most 25 on-demand rotations; then LimitExceededException in AWS’s words', async () => {
    const key = await newKey();
    for (let i = 0; i < 25; i++) await client().rotateKeyOnDemand({ KeyId: key.KeyId });
    await expectKmsError(
      client().rotateKeyOnDemand({ KeyId: key.KeyId }),
      'LimitExceededException',
      `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${key.Arn}`,
    );
    // Paging through the 25 rotations, 10 at a time.
    const seen: string[] = [];
    let marker: string | undefined;
    do {
      const page = await client().listKeyRotations({ KeyId: key.KeyId, Limit: 10, Marker: marker });
      seen.push(...page.Rotations!.map((r) => r.KeyMaterialId!));
      assert.equal(page.Truncated, page.NextMarker !== undefined);
      marker = page.NextMarker;
    } while (marker);
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen).size, 25);
    assert.equal(seen[24], await currentMaterial(key.KeyId!));
    await expectKmsError(client().listKeyRotations({ KeyId: key.KeyId, Marker: 'bogus' }), 'InvalidMarkerException');
  });

  test('disabled and pending-deletion keys refuse on-demand rotation', async () => {
    const key = await newKey();
    await client().disableKey({ KeyId: key.KeyId });
    await expectKmsError(client().rotateKeyOnDemand({ KeyId: key.KeyId }), 'DisabledException', `${key.Arn} is disabled.`);
    await client().scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 });
    await expectKmsError(client().rotateKeyOnDemand({ KeyId: key.KeyId }), 'KMSInvalidStateException', `${key.Arn} is pending deletion.`);
    assert.equal((await rotations(key.KeyId!)).length, 0);
  });
});

describe('the rotation job', () => {
  test('rotates at the due date and not a moment before, once per due date, every period', async () => {
    const key = await newKey();
    await client().enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 90 });
    const due = (await client().getKeyRotationStatus({ KeyId: key.KeyId })).NextRotationDate!;
    const original = await currentMaterial(key.KeyId!);
    const blobs = [await encrypt(key.KeyId!, 'v0')];

    await runJob('rotation', { region: REGION, now: new Date(due.getTime() - 1) });
    assert.equal(await currentMaterial(key.KeyId!), original, 'nothing rotates before the due date');
    assert.equal((await rotations(key.KeyId!)).length, 0);

    const report = await runJob('rotation', { region: REGION, now: due });
    assert.ok(report.done >= 1);
    const rotated = await currentMaterial(key.KeyId!);
    assert.notEqual(rotated, original);
    const status = await client().getKeyRotationStatus({ KeyId: key.KeyId });
    assert.equal(status.NextRotationDate!.getTime(), due.getTime() + 90 * DAY_MS);

    // The same instant again: nothing is due any more.
    await runJob('rotation', { region: REGION, now: due });
    assert.equal(await currentMaterial(key.KeyId!), rotated);
    blobs.push(await encrypt(key.KeyId!, 'v1'));

    // Two more periods, two more rotations; every earlier ciphertext still decrypts.
    for (let period = 1; period <= 2; period++) {
      await runJob('rotation', { region: REGION, now: daysFrom(due, 90 * period) });
      blobs.push(await encrypt(key.KeyId!, `v${period + 1}`));
    }
    const listed = await rotations(key.KeyId!);
    assert.equal(listed.length, 3);
    assert.ok(listed.every((r) => r.RotationType === 'AUTOMATIC'));
    assert.deepEqual(
      listed.map((r) => r.KeyMaterialState),
      ['NON_CURRENT', 'NON_CURRENT', 'CURRENT'],
    );
    for (const [i, blob] of blobs.entries()) await decryptsTo(blob, `v${i}`);
    assert.equal(rotationEventsOf(key.KeyId!).length, 3, 'one event per rotation');
    assert.ok(rotationEventsOf(key.KeyId!).every((e) => e.detail['rotation-type'] === 'AUTOMATIC'));
  });

  test('a job that runs late (or after a long disable) rotates once and resumes the schedule', async () => {
    const key = await newKey();
    await client().enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 90 });
    const due = (await client().getKeyRotationStatus({ KeyId: key.KeyId })).NextRotationDate!;
    await client().disableKey({ KeyId: key.KeyId });
    await runJob('rotation', { region: REGION, now: daysFrom(due, 1) });
    assert.equal((await rotations(key.KeyId!)).length, 0, 'a disabled key does not rotate');

    await client().enableKey({ KeyId: key.KeyId });
    const late = daysFrom(due, 200);
    await runJob('rotation', { region: REGION, now: late });
    assert.equal((await rotations(key.KeyId!)).length, 1, 'one rotation, not one per missed period');
    const next = (await client().getKeyRotationStatus({ KeyId: key.KeyId })).NextRotationDate!;
    assert.ok(next.getTime() > late.getTime() && next.getTime() <= late.getTime() + 90 * DAY_MS);
    assert.equal((next.getTime() - due.getTime()) % (90 * DAY_MS), 0, 'still on the original cycle');
  });

  test('two runs at once rotate each due key once and send one event', async () => {
    const keys = await Promise.all([newKey(), newKey(), newKey()]);
    for (const key of keys) await client().enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 90 });
    const now = daysFrom(Date.now(), 91);
    await Promise.all([runJob('rotation', { region: REGION, now }), runJob('rotation', { region: REGION, now })]);
    for (const key of keys) {
      assert.equal((await rotations(key.KeyId!)).length, 1, `${key.KeyId} rotated once`);
      assert.equal(rotationEventsOf(key.KeyId!).length, 1, `${key.KeyId}: one event`);
    }
  });

  test('keys without rotation, disabled keys and keys pending deletion are left alone', async () => {
    const plain = await newKey();
    const pending = await newKey();
    await client().enableKeyRotation({ KeyId: pending.KeyId, RotationPeriodInDays: 90 });
    await client().scheduleKeyDeletion({ KeyId: pending.KeyId, PendingWindowInDays: 30 });
    await runJob('rotation', { region: REGION, now: daysFrom(Date.now(), 2000) });
    assert.equal((await rotations(plain.KeyId!)).length, 0);
    assert.equal((await rotations(pending.KeyId!)).length, 0);
    await client().cancelKeyDeletion({ KeyId: pending.KeyId });
  });

  test('npm run job runs it from the command line against the running service', async () => {
    const key = await newKey();
    await client().enableKeyRotation({ KeyId: key.KeyId, RotationPeriodInDays: 90 });
    const now = daysFrom(Date.now(), 95).toISOString();
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'infra/local/job-cli.ts', 'rotation', '--now', now, '--region', REGION],
      { env: { ...process.env, KMS_DATA_DIR: dataDir() } },
    );
    const report = JSON.parse(stdout.trim().split('\n').pop()!);
    assert.equal(report.job, 'rotation');
    assert.equal(report.region, REGION);
    assert.equal(report.now, now);
    assert.ok(report.done >= 1);
    assert.equal((await rotations(key.KeyId!)).length, 1);
  });
});

describe('EventBridge rotation requests', () => {
  async function send(event: object) {
    const token = readFileSync(join(dataDir(), 'admin-token'), 'utf8').trim();
    const response = await fetch(`${endpoint()}/!admin/events`, {
      method: 'POST',
      headers: { 'x-kms-admin-token': token },
      body: JSON.stringify(event),
    });
    assert.equal(response.status, 200);
    return (await response.json()) as { outcome: string; reason?: string };
  }

  test('an event rotates the key once, however often it is delivered', async () => {
    const key = await newKey();
    const event = { id: randomUUID(), 'detail-type': 'KMS Key Rotation Request', region: REGION, account: ACCOUNT, detail: { keyId: key.Arn } };
    const outcomes = await Promise.all([send(event), send(event)]);
    assert.deepEqual(outcomes.map((o) => o.outcome).sort(), ['duplicate', 'rotated']);
    assert.equal((await send(event)).outcome, 'duplicate');
    const listed = await rotations(key.KeyId!);
    assert.equal(listed.length, 1);
    assert.equal(listed[0]!.RotationType, 'ON_DEMAND');
    assert.equal(rotationEventsOf(key.KeyId!).length, 1);

    // A new event is a new request.
    assert.equal((await send({ ...event, id: randomUUID() })).outcome, 'rotated');
    assert.equal((await rotations(key.KeyId!)).length, 2);
  });

  test('requests for unknown or disabled keys are refused and change nothing', async () => {
    const missing = await send({ id: randomUUID(), region: REGION, detail: { keyId: randomUUID() } });
    assert.equal(missing.outcome, 'refused');
    const key = await newKey();
    await client().disableKey({ KeyId: key.KeyId });
    const disabled = await send({ id: randomUUID(), region: REGION, detail: { keyId: key.KeyId } });
    assert.equal(disabled.outcome, 'refused');
    assert.match(disabled.reason!, /DisabledException/);
    assert.equal((await rotations(key.KeyId!)).length, 0);
  });
});
