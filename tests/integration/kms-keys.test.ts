/**
 * Key lifecycle over HTTP with the AWS SDK: CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
 * UpdateKeyDescription, ScheduleKeyDeletion, CancelKeyDeletion, and the key-state rules for them.
 * Expectations follow real AWS KMS (KMS-REFERENCE §1, §3, §4, §5, §10); sources are noted per assertion.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ACCOUNT,
  DAY_MS,
  KEY_ID_RE,
  KEY_MATERIAL_ID_RE,
  REGION,
  assertNear,
  createAlias,
  createKey,
  describeKey,
  expectClientError,
  expectKmsError,
  keyArn,
  kms,
  listAllKeys,
  listAllTags,
  rawCall,
  tagMap,
  unknownKeyId,
  validationMessage,
} from './helpers.js';

/** KeyMetadata members AWS returns for an Enabled/Disabled symmetric AWS_KMS key ([obs] snapshots + 2025 model). */
const SYMMETRIC_METADATA_MEMBERS = [
  'AWSAccountId',
  'Arn',
  'CreationDate',
  'CurrentKeyMaterialId',
  'CustomerMasterKeySpec',
  'Description',
  'Enabled',
  'EncryptionAlgorithms',
  'KeyId',
  'KeyManager',
  'KeySpec',
  'KeyState',
  'KeyUsage',
  'MultiRegion',
  'Origin',
];

const pendingDeletion = (keyId: string) => `${keyArn(keyId)} is pending deletion.`;

describe('CreateKey', () => {
  test('a key created with no input is a symmetric AWS_KMS customer key with every KeyMetadata field AWS returns', async () => {
    const before = Date.now();
    const md = await createKey();
    assert.match(md.KeyId!, KEY_ID_RE);
    assert.equal(md.AWSAccountId, ACCOUNT);
    assert.equal(md.Arn, keyArn(md.KeyId!));
    assertNear(md.CreationDate, before, 5 * 60 * 1000, 'CreationDate');
    assert.equal(md.Enabled, true);
    assert.equal(md.KeyState, 'Enabled');
    // [obs] Description defaults to "" (present, not omitted).
    assert.equal(md.Description, '');
    assert.equal(md.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.equal(md.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(md.CustomerMasterKeySpec, 'SYMMETRIC_DEFAULT');
    assert.deepEqual(md.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
    assert.equal(md.Origin, 'AWS_KMS');
    assert.equal(md.KeyManager, 'CUSTOMER');
    assert.equal(md.MultiRegion, false);
    // Inferred: CreateKey's KeyMetadata is the same structure DescribeKey returns, so it carries the material ID too.
    assert.match(md.CurrentKeyMaterialId ?? '', KEY_MATERIAL_ID_RE);
    // Members AWS only sends for other key kinds or states (§5).
    for (const absent of [
      'DeletionDate',
      'ValidTo',
      'ExpirationModel',
      'MultiRegionConfiguration',
      'PendingDeletionWindowInDays',
      'SigningAlgorithms',
      'MacAlgorithms',
      'KeyAgreementAlgorithms',
      'CustomKeyStoreId',
      'CloudHsmClusterId',
      'XksKeyConfiguration',
    ] as const) {
      assert.equal(md[absent], undefined, `${absent} must be absent for a symmetric Enabled key`);
    }
  });

  test('explicit KeySpec, KeyUsage, Origin, Description and Tags are honoured', async () => {
    const md = await createKey({
      KeySpec: 'SYMMETRIC_DEFAULT',
      KeyUsage: 'ENCRYPT_DECRYPT',
      Origin: 'AWS_KMS',
      Description: 'integration test key ✓',
      Tags: [
        { TagKey: 'team', TagValue: 'kms' },
        { TagKey: 'empty', TagValue: '' },
      ],
    });
    assert.equal(md.Description, 'integration test key ✓');
    assert.equal(md.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(md.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.equal(md.Origin, 'AWS_KMS');
    const { items } = await listAllTags(md.KeyId!);
    assert.deepEqual(tagMap(items), { team: 'kms', empty: '' });
  });

  test('the deprecated CustomerMasterKeySpec member is accepted as a synonym of KeySpec', async () => {
    const md = await createKey({ CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT' });
    assert.equal(md.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(md.CustomerMasterKeySpec, 'SYMMETRIC_DEFAULT');
  });

  test('each key gets its own key ID and key material ID', async () => {
    const [a, b] = await Promise.all([createKey(), createKey()]);
    assert.notEqual(a.KeyId, b.KeyId);
    assert.notEqual(a.CurrentKeyMaterialId, b.CurrentKeyMaterialId);
  });

  test('an invalid KeyUsage or KeySpec is a ValidationException listing the enum ([obs] format, set order not fixed)', async () => {
    const usage = await expectKmsError(
      kms().createKey({ KeyUsage: 'RANDOM' as never }),
      'ValidationException',
      /^1 validation error detected: Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy enum value set: \[.+\]$/,
    );
    for (const value of ['SIGN_VERIFY', 'ENCRYPT_DECRYPT', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT']) {
      assert.ok(usage.message.includes(value), `enum list should include ${value}: ${usage.message}`);
    }
    await expectKmsError(
      kms().createKey({ KeySpec: 'HMAC_random' as never }),
      'ValidationException',
      /^1 validation error detected: Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: \[.*SYMMETRIC_DEFAULT.*\]$/,
    );
  });

  test('a Description longer than 8192 characters is a ValidationException (model max; message format inferred)', async () => {
    const long = 'd'.repeat(8193);
    await expectKmsError(
      kms().createKey({ Description: long }),
      'ValidationException',
      validationMessage('description', long, 'have length less than or equal to 8192'),
    );
  });
});

describe('DescribeKey', () => {
  test('returns the same KeyMetadata CreateKey returned', async () => {
    const created = await createKey({ Description: 'describe me' });
    const described = await describeKey(created.KeyId!);
    assert.deepEqual(described, created);
  });

  test('accepts key ID, key ARN, alias name and alias ARN', async () => {
    const md = await createKey();
    const alias = await createAlias(md.KeyId!);
    const aliasArnValue = `arn:aws:kms:${REGION}:${ACCOUNT}:${alias}`;
    for (const ref of [md.KeyId!, md.Arn!, alias, aliasArnValue]) {
      const got = await describeKey(ref);
      assert.equal(got.KeyId, md.KeyId, `DescribeKey(${ref})`);
      assert.equal(got.Arn, md.Arn, `DescribeKey(${ref})`);
    }
  });

  test('the raw KeyMetadata has exactly AWS’s members, with timestamps as epoch seconds', async () => {
    const md = await createKey();
    const res = await rawCall('DescribeKey', { KeyId: md.KeyId });
    assert.equal(res.status, 200, res.text);
    const meta = res.json?.KeyMetadata as Record<string, unknown>;
    assert.ok(meta, res.text);
    assert.deepEqual(Object.keys(meta).sort(), SYMMETRIC_METADATA_MEMBERS);
    // §2: timestamps travel as epoch seconds (a JSON number).
    assert.equal(typeof meta.CreationDate, 'number');
    assert.ok(Math.abs((meta.CreationDate as number) * 1000 - Date.now()) < 10 * 60 * 1000, 'CreationDate is epoch seconds');
    assert.equal(meta.MultiRegion, false);
    assert.equal(meta.Enabled, true);
  });

  test('an unknown well-formed key ID or ARN is NotFoundException "Key \'<arn>\' does not exist" [obs]', async () => {
    const id = unknownKeyId();
    const message = `Key '${keyArn(id)}' does not exist`;
    await expectKmsError(kms().describeKey({ KeyId: id }), 'NotFoundException', message);
    await expectKmsError(kms().describeKey({ KeyId: keyArn(id) }), 'NotFoundException', message);
    // [obs] a well-formed multi-Region key ID gets the same message.
    const mrk = 'mrk-d3b95762d3b95762d3b95762d3b95762';
    await expectKmsError(kms().describeKey({ KeyId: mrk }), 'NotFoundException', `Key '${keyArn(mrk)}' does not exist`);
  });

  test('a malformed key ID is NotFoundException "Invalid keyId \'<value>\'" [obs]', async () => {
    for (const bad of ['fake-key-id', '134f2428cec14b25a1ae9048164dba47', 'mrk-fake-key-id']) {
      await expectKmsError(kms().describeKey({ KeyId: bad }), 'NotFoundException', `Invalid keyId '${bad}'`);
    }
  });

  test('an alias that does not exist is NotFoundException (message per moto only, not checked)', async () => {
    await expectKmsError(kms().describeKey({ KeyId: 'alias/it-missing-' + unknownKeyId() }), 'NotFoundException');
  });
});

describe('ListKeys', () => {
  test('lists new keys with KeyId and KeyArn across all pages', async () => {
    const mine = await Promise.all([createKey(), createKey(), createKey()]);
    const { items } = await listAllKeys(REGION, 100);
    const byId = new Map(items.map((k) => [k.KeyId, k.KeyArn]));
    for (const md of mine) {
      assert.equal(byId.get(md.KeyId), md.Arn, `key ${md.KeyId} listed with its ARN`);
    }
    for (const entry of items) {
      assert.ok(entry.KeyId && entry.KeyArn, 'every entry has KeyId and KeyArn');
      assert.ok(entry.KeyArn.endsWith(`:key/${entry.KeyId}`), `KeyArn ${entry.KeyArn} names KeyId ${entry.KeyId}`);
      assert.ok(entry.KeyArn.startsWith(`arn:aws:kms:${REGION}:${ACCOUNT}:key/`), `KeyArn ${entry.KeyArn} in region`);
    }
  });

  test('pagination: Limit caps each page, NextMarker only when Truncated, walking pages returns each key once', async () => {
    const mine = await Promise.all([createKey(), createKey(), createKey()]);
    const first = await kms().listKeys({ Limit: 1 });
    assert.ok((first.Keys ?? []).length <= 1);
    // At least three keys exist, so a one-key page cannot be the whole listing.
    assert.equal(first.Truncated, true);
    assert.ok(first.NextMarker);

    const { items, pages } = await listAllKeys(REGION, 7);
    assert.ok(pages >= 1);
    const ids = items.map((k) => k.KeyId);
    assert.equal(new Set(ids).size, ids.length, 'no key is listed twice across pages');
    for (const md of mine) assert.ok(ids.includes(md.KeyId), `key ${md.KeyId} reached by walking the pages`);
  });

  test('the last page has Truncated false and no NextMarker member at all', async () => {
    await createKey();
    let marker: string | undefined;
    for (;;) {
      const res = await rawCall('ListKeys', marker ? { Limit: 1000, Marker: marker } : { Limit: 1000 });
      assert.equal(res.status, 200, res.text);
      if (res.json?.Truncated === true) {
        marker = res.json.NextMarker as string;
        assert.ok(marker);
        continue;
      }
      assert.equal(res.json?.Truncated, false);
      assert.ok(!('NextMarker' in (res.json ?? {})), 'NextMarker must be absent on the last page');
      break;
    }
  });

  test('keys that are Disabled or PendingDeletion are still listed', async () => {
    const disabled = await createKey();
    const pending = await createKey();
    await kms().disableKey({ KeyId: disabled.KeyId });
    await kms().scheduleKeyDeletion({ KeyId: pending.KeyId, PendingWindowInDays: 7 });
    const ids = (await listAllKeys(REGION, 1000)).items.map((k) => k.KeyId);
    assert.ok(ids.includes(disabled.KeyId));
    assert.ok(ids.includes(pending.KeyId));
  });

  test('Limit outside 1..1000 is a ValidationException (model range; message format inferred from [obs] ones)', async () => {
    await expectKmsError(
      kms().listKeys({ Limit: 0 }),
      'ValidationException',
      validationMessage('limit', 0, 'have value greater than or equal to 1'),
    );
    await expectKmsError(
      kms().listKeys({ Limit: 1001 }),
      'ValidationException',
      validationMessage('limit', 1001, 'have value less than or equal to 1000'),
    );
  });

  test('a Marker that was never issued is InvalidMarkerException (exception from the model; message unverified)', async () => {
    await expectKmsError(kms().listKeys({ Marker: 'not-a-marker-we-issued' }), 'InvalidMarkerException');
  });
});

describe('EnableKey and DisableKey', () => {
  test('DisableKey makes the key Disabled, EnableKey makes it Enabled again', async () => {
    const md = await createKey();
    await kms().disableKey({ KeyId: md.KeyId });
    let now = await describeKey(md.KeyId!);
    assert.equal(now.KeyState, 'Disabled');
    assert.equal(now.Enabled, false);
    assert.equal(now.DeletionDate, undefined);

    await kms().enableKey({ KeyId: md.KeyId });
    now = await describeKey(md.KeyId!);
    assert.equal(now.KeyState, 'Enabled');
    assert.equal(now.Enabled, true);
  });

  test('both are idempotent (key-state table: allowed when already in that state)', async () => {
    const md = await createKey();
    await kms().enableKey({ KeyId: md.KeyId });
    assert.equal((await describeKey(md.KeyId!)).KeyState, 'Enabled');
    await kms().disableKey({ KeyId: md.KeyId });
    await kms().disableKey({ KeyId: md.KeyId });
    assert.equal((await describeKey(md.KeyId!)).KeyState, 'Disabled');
  });

  test('both accept the key ARN', async () => {
    const md = await createKey();
    await kms().disableKey({ KeyId: md.Arn });
    assert.equal((await describeKey(md.KeyId!)).KeyState, 'Disabled');
    await kms().enableKey({ KeyId: md.Arn });
    assert.equal((await describeKey(md.KeyId!)).KeyState, 'Enabled');
  });

  test('the raw response is HTTP 200 (operations without output)', async () => {
    const md = await createKey();
    const res = await rawCall('DisableKey', { KeyId: md.KeyId });
    assert.equal(res.status, 200, res.text);
    // AWS sends an empty body (SDKs also accept {}); which one is unverified, so only "no error" is checked.
    assert.ok(res.json === undefined || Object.keys(res.json).length === 0, `unexpected body ${res.text}`);
  });

  test('an unknown key is NotFoundException with the key ARN in the message', async () => {
    const id = unknownKeyId();
    await expectKmsError(kms().enableKey({ KeyId: id }), 'NotFoundException', `Key '${keyArn(id)}' does not exist`);
    await expectKmsError(kms().disableKey({ KeyId: id }), 'NotFoundException', `Key '${keyArn(id)}' does not exist`);
  });

  test('an alias is not accepted where AWS takes only key ID or key ARN (exception unverified)', async () => {
    // §1: EnableKey, DisableKey, UpdateKeyDescription and ScheduleKeyDeletion are not "A" operations. The
    // exact exception AWS gives for an alias here is unverified, so only "client error, no effect" is checked.
    const md = await createKey();
    const alias = await createAlias(md.KeyId!);
    await expectClientError(kms().disableKey({ KeyId: alias }));
    await expectClientError(kms().scheduleKeyDeletion({ KeyId: alias, PendingWindowInDays: 7 }));
    await expectClientError(kms().updateKeyDescription({ KeyId: alias, Description: 'via alias' }));
    const now = await describeKey(md.KeyId!);
    assert.equal(now.KeyState, 'Enabled');
    assert.equal(now.Description, '');
  });
});

describe('UpdateKeyDescription', () => {
  test('replaces the description, including with an empty string', async () => {
    const md = await createKey({ Description: 'old' });
    await kms().updateKeyDescription({ KeyId: md.KeyId, Description: 'new description' });
    assert.equal((await describeKey(md.KeyId!)).Description, 'new description');
    await kms().updateKeyDescription({ KeyId: md.Arn, Description: '' });
    assert.equal((await describeKey(md.KeyId!)).Description, '');
  });

  test('is allowed on a Disabled key', async () => {
    const md = await createKey();
    await kms().disableKey({ KeyId: md.KeyId });
    await kms().updateKeyDescription({ KeyId: md.KeyId, Description: 'while disabled' });
    const now = await describeKey(md.KeyId!);
    assert.equal(now.Description, 'while disabled');
    assert.equal(now.KeyState, 'Disabled');
  });

  test('a description over 8192 characters is a ValidationException (message format inferred)', async () => {
    const md = await createKey();
    const long = 'x'.repeat(8193);
    await expectKmsError(
      kms().updateKeyDescription({ KeyId: md.KeyId, Description: long }),
      'ValidationException',
      validationMessage('description', long, 'have length less than or equal to 8192'),
    );
    await kms().updateKeyDescription({ KeyId: md.KeyId, Description: 'y'.repeat(8192) });
    assert.equal((await describeKey(md.KeyId!)).Description?.length, 8192);
  });

  test('an unknown key is NotFoundException', async () => {
    const id = unknownKeyId();
    await expectKmsError(
      kms().updateKeyDescription({ KeyId: id, Description: 'x' }),
      'NotFoundException',
      `Key '${keyArn(id)}' does not exist`,
    );
  });
});

describe('ScheduleKeyDeletion and CancelKeyDeletion', () => {
  test('the default waiting period is 30 days; the key becomes PendingDeletion with a DeletionDate', async () => {
    const md = await createKey();
    const before = Date.now();
    const out = await kms().scheduleKeyDeletion({ KeyId: md.KeyId });
    assert.equal(out.KeyId, md.Arn, 'KeyId in the response is the key ARN [obs]');
    assert.equal(out.KeyState, 'PendingDeletion');
    assert.equal(out.PendingWindowInDays, 30);
    // DeletionDate = now + window ([obs]); a day of slack in case AWS rounds the date.
    assertNear(out.DeletionDate, before + 30 * DAY_MS, DAY_MS, 'DeletionDate');

    const now = await describeKey(md.KeyId!);
    assert.equal(now.KeyState, 'PendingDeletion');
    assert.equal(now.Enabled, false);
    assertNear(now.DeletionDate, out.DeletionDate!.getTime(), 1000, 'DescribeKey DeletionDate matches the response');
  });

  test('PendingWindowInDays 7 and 30 are accepted and reported back', async () => {
    for (const days of [7, 30]) {
      const md = await createKey();
      const before = Date.now();
      const out = await kms().scheduleKeyDeletion({ KeyId: md.Arn, PendingWindowInDays: days });
      assert.equal(out.PendingWindowInDays, days);
      assertNear(out.DeletionDate, before + days * DAY_MS, DAY_MS, `DeletionDate for ${days} days`);
    }
  });

  test('PendingWindowInDays 6 or 31 is a ValidationException and leaves the key alone (message unverified)', async () => {
    const md = await createKey();
    for (const days of [6, 31]) {
      await expectKmsError(kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: days }), 'ValidationException');
    }
    const now = await describeKey(md.KeyId!);
    assert.equal(now.KeyState, 'Enabled');
    assert.equal(now.DeletionDate, undefined);
  });

  test('PendingWindowInDays below the model minimum is the standard validation message (format inferred)', async () => {
    const md = await createKey();
    await expectKmsError(
      kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 0 }),
      'ValidationException',
      validationMessage('pendingWindowInDays', 0, 'have value greater than or equal to 1'),
    );
  });

  test('a Disabled key can be scheduled for deletion', async () => {
    const md = await createKey();
    await kms().disableKey({ KeyId: md.KeyId });
    const out = await kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    assert.equal(out.KeyState, 'PendingDeletion');
  });

  test('scheduling again is KMSInvalidStateException "<arn> is pending deletion." [obs]', async () => {
    const md = await createKey();
    await kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    await expectKmsError(
      kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 }),
      'KMSInvalidStateException',
      pendingDeletion(md.KeyId!),
    );
  });

  test('CancelKeyDeletion returns the key ARN and leaves the key Disabled without DeletionDate', async () => {
    const md = await createKey();
    await kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    const out = await kms().cancelKeyDeletion({ KeyId: md.KeyId });
    assert.equal(out.KeyId, md.Arn);
    const now = await describeKey(md.KeyId!);
    assert.equal(now.KeyState, 'Disabled');
    assert.equal(now.Enabled, false);
    assert.equal(now.DeletionDate, undefined);
    // On the wire the member is gone, not null.
    const raw = await rawCall('DescribeKey', { KeyId: md.KeyId });
    const meta = raw.json?.KeyMetadata as Record<string, unknown>;
    assert.ok(!('DeletionDate' in meta), 'DeletionDate must be absent after cancelling');
    assert.deepEqual(Object.keys(meta).sort(), SYMMETRIC_METADATA_MEMBERS);
    // EnableKey is needed afterwards [obs].
    await kms().enableKey({ KeyId: md.KeyId });
    assert.equal((await describeKey(md.KeyId!)).KeyState, 'Enabled');
  });

  test('CancelKeyDeletion accepts the key ARN', async () => {
    const md = await createKey();
    await kms().scheduleKeyDeletion({ KeyId: md.Arn, PendingWindowInDays: 7 });
    const out = await kms().cancelKeyDeletion({ KeyId: md.Arn });
    assert.equal(out.KeyId, md.Arn);
    assert.equal((await describeKey(md.KeyId!)).KeyState, 'Disabled');
  });

  test('CancelKeyDeletion on a key that is not pending deletion is KMSInvalidStateException "<arn> is not pending deletion." [doc]', async () => {
    const md = await createKey();
    const message = `${md.Arn} is not pending deletion.`;
    await expectKmsError(kms().cancelKeyDeletion({ KeyId: md.KeyId }), 'KMSInvalidStateException', message);
    await kms().disableKey({ KeyId: md.KeyId });
    await expectKmsError(kms().cancelKeyDeletion({ KeyId: md.KeyId }), 'KMSInvalidStateException', message);
  });

  test('the raw DescribeKey of a pending key carries DeletionDate (epoch seconds) besides the usual members', async () => {
    const md = await createKey();
    await kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    const raw = await rawCall('DescribeKey', { KeyId: md.KeyId });
    assert.equal(raw.status, 200, raw.text);
    const meta = raw.json?.KeyMetadata as Record<string, unknown>;
    assert.deepEqual(Object.keys(meta).sort(), [...SYMMETRIC_METADATA_MEMBERS, 'DeletionDate'].sort());
    assert.equal(typeof meta.DeletionDate, 'number');
    assert.equal(meta.KeyState, 'PendingDeletion');
    assert.equal(meta.Enabled, false);
  });

  test('a pending key refuses EnableKey, DisableKey and UpdateKeyDescription with "<arn> is pending deletion."', async () => {
    const md = await createKey();
    await kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    const message = pendingDeletion(md.KeyId!);
    await expectKmsError(kms().enableKey({ KeyId: md.KeyId }), 'KMSInvalidStateException', message);
    await expectKmsError(kms().disableKey({ KeyId: md.KeyId }), 'KMSInvalidStateException', message);
    await expectKmsError(
      kms().updateKeyDescription({ KeyId: md.KeyId, Description: 'nope' }),
      'KMSInvalidStateException',
      message,
    );
    // DescribeKey stays allowed in every state.
    assert.equal((await describeKey(md.Arn!)).KeyState, 'PendingDeletion');
  });

  test('unknown keys are NotFoundException for both operations', async () => {
    const id = unknownKeyId();
    const message = `Key '${keyArn(id)}' does not exist`;
    await expectKmsError(kms().scheduleKeyDeletion({ KeyId: id }), 'NotFoundException', message);
    await expectKmsError(kms().cancelKeyDeletion({ KeyId: id }), 'NotFoundException', message);
  });
});
