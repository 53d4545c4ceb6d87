/**
 * Aliases over HTTP with the AWS SDK: CreateAlias, UpdateAlias, DeleteAlias, ListAliases (with and without
 * KeyId), alias resolution and the key-state rules for aliases.
 * Expectations follow real AWS KMS (KMS-REFERENCE §1, §3, §4); sources are noted per assertion.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AliasListEntry } from '@aws-sdk/client-kms';
import {
  ACCOUNT,
  REGION,
  aliasArn,
  assertNear,
  createAlias,
  createKey,
  describeKey,
  expectClientError,
  expectKmsError,
  keyArn,
  kms,
  listAllAliases,
  rawCall,
  uniqueAlias,
  unknownKeyId,
  utf8,
  validationMessage,
} from './helpers.js';

const ALIAS_PREFIX_MESSAGE =
  'Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html';
const pendingDeletion = (arn: string) => `${arn} is pending deletion.`;

async function findAlias(name: string, keyId?: string): Promise<AliasListEntry | undefined> {
  const { items } = await listAllAliases(REGION, keyId, 100);
  return items.find((a) => a.AliasName === name);
}

describe('CreateAlias and ListAliases', () => {
  test('a new alias is listed with AliasName, AliasArn, TargetKeyId (key ID), CreationDate and LastUpdatedDate', async () => {
    const md = await createKey();
    const before = Date.now();
    const name = await createAlias(md.KeyId!);
    const entry = await findAlias(name, md.KeyId);
    assert.ok(entry, 'alias listed for its key');
    assert.equal(entry.AliasName, name);
    assert.equal(entry.AliasArn, `arn:aws:kms:${REGION}:${ACCOUNT}:${name}`);
    assert.equal(entry.TargetKeyId, md.KeyId, 'TargetKeyId is the bare key ID');
    // Both dates appear in AWS's documented ListAliases example.
    assertNear(entry.CreationDate, before, 5 * 60 * 1000, 'CreationDate');
    assertNear(entry.LastUpdatedDate, before, 5 * 60 * 1000, 'LastUpdatedDate');
  });

  test('the raw ListAliases entry has exactly the documented members', async () => {
    const md = await createKey();
    const name = await createAlias(md.KeyId!);
    const res = await rawCall('ListAliases', { KeyId: md.KeyId });
    assert.equal(res.status, 200, res.text);
    const aliases = res.json?.Aliases as Record<string, unknown>[];
    assert.equal(res.json?.Truncated, false);
    assert.ok(!('NextMarker' in (res.json ?? {})));
    const entry = aliases.find((a) => a.AliasName === name);
    assert.ok(entry, res.text);
    assert.deepEqual(Object.keys(entry).sort(), ['AliasArn', 'AliasName', 'CreationDate', 'LastUpdatedDate', 'TargetKeyId']);
    assert.equal(typeof entry.CreationDate, 'number');
  });

  test('ListAliases without KeyId includes the alias (walking every page)', async () => {
    const md = await createKey();
    const name = await createAlias(md.KeyId!);
    const entry = await findAlias(name);
    assert.ok(entry, 'alias found in the account-wide listing');
    assert.equal(entry.TargetKeyId, md.KeyId);
  });

  test('ListAliases with KeyId returns only that key’s aliases and accepts the key ARN [obs]', async () => {
    const aliased = await createKey();
    const other = await createKey();
    const names = [await createAlias(aliased.KeyId!), await createAlias(aliased.KeyId!)];
    const otherName = await createAlias(other.KeyId!);

    for (const ref of [aliased.KeyId!, aliased.Arn!]) {
      const { items } = await listAllAliases(REGION, ref);
      assert.deepEqual(items.map((a) => a.AliasName).sort(), [...names].sort(), `ListAliases(KeyId=${ref})`);
      for (const a of items) assert.equal(a.TargetKeyId, aliased.KeyId);
    }
    assert.equal(await findAlias(otherName, aliased.KeyId), undefined);
  });

  test('ListAliases for a key with no aliases is an empty, untruncated list', async () => {
    const md = await createKey();
    const out = await kms().listAliases({ KeyId: md.KeyId });
    assert.deepEqual(out.Aliases, []);
    assert.equal(out.Truncated, false);
    assert.equal(out.NextMarker, undefined);
  });

  test('ListAliases for an unknown key is NotFoundException (message unverified)', async () => {
    await expectKmsError(kms().listAliases({ KeyId: unknownKeyId() }), 'NotFoundException');
  });

  test('pagination: Limit 1 over three aliases walks at least three pages, NextMarker only when Truncated', async () => {
    const md = await createKey();
    const names = await Promise.all([createAlias(md.KeyId!), createAlias(md.KeyId!), createAlias(md.KeyId!)]);
    const first = await kms().listAliases({ KeyId: md.KeyId, Limit: 1 });
    assert.ok((first.Aliases ?? []).length <= 1);
    assert.equal(first.Truncated, true);
    assert.ok(first.NextMarker);

    const { items, pages } = await listAllAliases(REGION, md.KeyId, 1);
    assert.ok(pages >= 3, `expected at least 3 pages, got ${pages}`);
    assert.deepEqual(items.map((a) => a.AliasName).sort(), [...names].sort());

    const all = await listAllAliases(REGION, undefined, 2);
    const allNames = all.items.map((a) => a.AliasName);
    assert.equal(new Set(allNames).size, allNames.length, 'no alias listed twice across pages');
    for (const name of names) assert.ok(allNames.includes(name));
  });

  test('ListAliases Limit accepts 100 and rejects 101 (service range 1..100; exception name inferred, message unverified)', async () => {
    const out = await kms().listAliases({ Limit: 100 });
    assert.ok((out.Aliases ?? []).length <= 100);
    await expectKmsError(kms().listAliases({ Limit: 101 }), 'ValidationException');
  });

  test('a key can have several aliases, and the key ARN is accepted as TargetKeyId', async () => {
    const md = await createKey();
    const a = uniqueAlias('arn-target');
    await kms().createAlias({ AliasName: a, TargetKeyId: md.Arn });
    const b = await createAlias(md.KeyId!);
    assert.equal((await findAlias(a, md.KeyId))?.TargetKeyId, md.KeyId);
    assert.equal((await findAlias(b, md.KeyId))?.TargetKeyId, md.KeyId);
    assert.equal((await describeKey(a)).KeyId, md.KeyId);
  });

  test('an alias can be created for a Disabled key (key-state table)', async () => {
    const md = await createKey();
    await kms().disableKey({ KeyId: md.KeyId });
    const name = await createAlias(md.KeyId!);
    assert.equal((await describeKey(name)).KeyState, 'Disabled');
  });

  test('alias names are case-sensitive', async () => {
    const upperKey = await createKey();
    const lowerKey = await createKey();
    const suffix = unknownKeyId();
    const upper = `alias/it-Case-${suffix}`;
    const lower = `alias/it-case-${suffix}`;
    await kms().createAlias({ AliasName: upper, TargetKeyId: upperKey.KeyId });
    await kms().createAlias({ AliasName: lower, TargetKeyId: lowerKey.KeyId });
    assert.equal((await describeKey(upper)).KeyId, upperKey.KeyId);
    assert.equal((await describeKey(lower)).KeyId, lowerKey.KeyId);
    await expectKmsError(kms().describeKey({ KeyId: `alias/IT-CASE-${suffix}` }), 'NotFoundException');
  });

  test('an alias name already in use is AlreadyExistsException (message per moto only, not checked)', async () => {
    const md = await createKey();
    const other = await createKey();
    const name = await createAlias(md.KeyId!);
    await expectKmsError(kms().createAlias({ AliasName: name, TargetKeyId: md.KeyId }), 'AlreadyExistsException');
    await expectKmsError(kms().createAlias({ AliasName: name, TargetKeyId: other.KeyId }), 'AlreadyExistsException');
    assert.equal((await findAlias(name))?.TargetKeyId, md.KeyId, 'the alias still points at the first key');
  });

  test('a name without the alias/ prefix is the [obs] ValidationException', async () => {
    const md = await createKey();
    await expectKmsError(
      kms().createAlias({ AliasName: `it-noprefix-${unknownKeyId()}`, TargetKeyId: md.KeyId }),
      'ValidationException',
      ALIAS_PREFIX_MESSAGE,
    );
  });

  test('the alias/aws/ prefix is reserved: NotAuthorizedException (per moto; AWS wording unverified)', async () => {
    const md = await createKey();
    const name = `alias/aws/it-${unknownKeyId()}`;
    await expectKmsError(kms().createAlias({ AliasName: name, TargetKeyId: md.KeyId }), 'NotAuthorizedException');
    assert.equal(await findAlias(name), undefined, 'no alias was created');
  });

  test('characters outside ^[a-zA-Z0-9:/_-]+$ are a pattern ValidationException (format inferred)', async () => {
    const md = await createKey();
    const name = 'alias/has space!';
    await expectKmsError(
      kms().createAlias({ AliasName: name, TargetKeyId: md.KeyId }),
      'ValidationException',
      validationMessage('aliasName', name, 'satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$'),
    );
  });

  test('a 257-character alias name is a length ValidationException (format inferred); 256 is accepted', async () => {
    const md = await createKey();
    const tooLong = 'alias/' + 'a'.repeat(251);
    assert.equal(tooLong.length, 257);
    await expectKmsError(
      kms().createAlias({ AliasName: tooLong, TargetKeyId: md.KeyId }),
      'ValidationException',
      validationMessage('aliasName', tooLong, 'have length less than or equal to 256'),
    );
    const longest = `alias/it-${unknownKeyId()}-`.padEnd(256, 'z');
    assert.equal(longest.length, 256);
    await kms().createAlias({ AliasName: longest, TargetKeyId: md.KeyId });
    assert.equal((await describeKey(longest)).KeyId, md.KeyId);
  });

  test('an unknown target key is NotFoundException (message from the shared key resolver, inferred)', async () => {
    const id = unknownKeyId();
    await expectKmsError(
      kms().createAlias({ AliasName: uniqueAlias(), TargetKeyId: id }),
      'NotFoundException',
      `Key '${keyArn(id)}' does not exist`,
    );
  });

  test('an alias cannot target another alias (exception unverified)', async () => {
    const md = await createKey();
    const target = await createAlias(md.KeyId!);
    const name = uniqueAlias();
    await expectClientError(kms().createAlias({ AliasName: name, TargetKeyId: target }));
    assert.equal(await findAlias(name), undefined);
  });

  test('CreateAlias for a PendingDeletion key is KMSInvalidStateException "<arn> is pending deletion."', async () => {
    const md = await createKey();
    await kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    await expectKmsError(
      kms().createAlias({ AliasName: uniqueAlias(), TargetKeyId: md.KeyId }),
      'KMSInvalidStateException',
      pendingDeletion(md.Arn!),
    );
  });
});

describe('UpdateAlias', () => {
  test('points the alias at another key; listings, resolution and LastUpdatedDate follow', async () => {
    const oldKey = await createKey();
    const newKey = await createKey();
    const name = await createAlias(oldKey.KeyId!);
    const created = await findAlias(name, oldKey.KeyId);
    assert.ok(created);

    await kms().updateAlias({ AliasName: name, TargetKeyId: newKey.KeyId });
    assert.equal(await findAlias(name, oldKey.KeyId), undefined, 'no longer listed under the old key');
    const updated = await findAlias(name, newKey.KeyId);
    assert.ok(updated, 'listed under the new key');
    assert.equal(updated.TargetKeyId, newKey.KeyId);
    assert.equal(updated.AliasArn, aliasArn(name));
    assert.equal(updated.CreationDate?.getTime(), created.CreationDate?.getTime(), 'CreationDate unchanged');
    assert.ok(updated.LastUpdatedDate!.getTime() >= created.LastUpdatedDate!.getTime(), 'LastUpdatedDate moves forward');

    const enc = await kms().encrypt({ KeyId: name, Plaintext: utf8('x') });
    assert.equal(enc.KeyId, newKey.Arn, 'the alias now resolves to the new key');
    assert.equal((await describeKey(aliasArn(name))).KeyId, newKey.KeyId);
  });

  test('accepts the key ARN as TargetKeyId', async () => {
    const oldKey = await createKey();
    const newKey = await createKey();
    const name = await createAlias(oldKey.KeyId!);
    await kms().updateAlias({ AliasName: name, TargetKeyId: newKey.Arn });
    assert.equal((await findAlias(name, newKey.KeyId))?.TargetKeyId, newKey.KeyId);
  });

  test('an unknown alias or unknown target key is NotFoundException', async () => {
    const md = await createKey();
    await expectKmsError(kms().updateAlias({ AliasName: uniqueAlias('missing'), TargetKeyId: md.KeyId }), 'NotFoundException');
    const name = await createAlias(md.KeyId!);
    await expectKmsError(kms().updateAlias({ AliasName: name, TargetKeyId: unknownKeyId() }), 'NotFoundException');
    assert.equal((await findAlias(name, md.KeyId))?.TargetKeyId, md.KeyId, 'alias unchanged');
  });

  test('pointing an alias at a PendingDeletion key is refused; moving it away from one is allowed', async () => {
    const live = await createKey();
    const pending = await createKey();
    const toPending = await createAlias(live.KeyId!);
    const fromPending = await createAlias(pending.KeyId!);
    await kms().scheduleKeyDeletion({ KeyId: pending.KeyId, PendingWindowInDays: 7 });

    await expectKmsError(
      kms().updateAlias({ AliasName: toPending, TargetKeyId: pending.KeyId }),
      'KMSInvalidStateException',
      pendingDeletion(pending.Arn!),
    );
    await kms().updateAlias({ AliasName: fromPending, TargetKeyId: live.KeyId });
    assert.equal((await describeKey(fromPending)).KeyId, live.KeyId);
  });

  test('a name without the alias/ prefix is the [obs] ValidationException', async () => {
    const md = await createKey();
    await expectKmsError(
      kms().updateAlias({ AliasName: `it-noprefix-${unknownKeyId()}`, TargetKeyId: md.KeyId }),
      'ValidationException',
      ALIAS_PREFIX_MESSAGE,
    );
  });
});

describe('DeleteAlias', () => {
  test('removes the alias; the key is unaffected and the alias no longer resolves', async () => {
    const md = await createKey();
    const name = await createAlias(md.KeyId!);
    const res = await rawCall('DeleteAlias', { AliasName: name });
    assert.equal(res.status, 200, res.text);
    assert.equal(await findAlias(name), undefined);
    await expectKmsError(kms().describeKey({ KeyId: name }), 'NotFoundException');
    await expectKmsError(kms().encrypt({ KeyId: name, Plaintext: utf8('x') }), 'NotFoundException');
    assert.equal((await describeKey(md.KeyId!)).KeyState, 'Enabled');
    // The name is free again.
    await kms().createAlias({ AliasName: name, TargetKeyId: md.KeyId });
    assert.equal((await describeKey(name)).KeyId, md.KeyId);
  });

  test('an unknown alias is NotFoundException (message per moto only, not checked)', async () => {
    await expectKmsError(kms().deleteAlias({ AliasName: uniqueAlias('missing') }), 'NotFoundException');
  });

  test('is allowed for an alias of a PendingDeletion key (key-state table)', async () => {
    const md = await createKey();
    const name = await createAlias(md.KeyId!);
    await kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    await kms().deleteAlias({ AliasName: name });
    assert.equal(await findAlias(name), undefined);
  });
});

describe('aliases of keys in other states', () => {
  test('aliases of a PendingDeletion key stay listed and resolvable; using them gives the key-state error', async () => {
    const md = await createKey();
    const name = await createAlias(md.KeyId!);
    await kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    assert.equal((await findAlias(name, md.KeyId))?.TargetKeyId, md.KeyId);
    assert.equal((await findAlias(name))?.TargetKeyId, md.KeyId);
    const viaAlias = await describeKey(name);
    assert.equal(viaAlias.KeyState, 'PendingDeletion');
    await expectKmsError(kms().encrypt({ KeyId: name, Plaintext: utf8('x') }), 'KMSInvalidStateException', pendingDeletion(md.Arn!));
    // Cancelling keeps the alias.
    await kms().cancelKeyDeletion({ KeyId: md.KeyId });
    assert.equal((await describeKey(name)).KeyState, 'Disabled');
  });

  test('aliases of a Disabled key resolve; using them gives DisabledException', async () => {
    const md = await createKey();
    const name = await createAlias(md.KeyId!);
    await kms().disableKey({ KeyId: md.KeyId });
    assert.equal((await describeKey(name)).KeyState, 'Disabled');
    await expectKmsError(kms().encrypt({ KeyId: aliasArn(name), Plaintext: utf8('x') }), 'DisabledException', `${md.Arn} is disabled.`);
  });
});
