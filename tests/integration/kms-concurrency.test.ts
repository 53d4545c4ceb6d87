/**
 * Concurrent requests must behave as AWS does when calls race: unique alias names stay unique, state
 * transitions happen once, and independent changes to one key are not lost. AWS serialises these per key
 * and per alias; the outcomes asserted here are the only ones AWS can produce.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createKey,
  describeKey,
  kms,
  listAllAliases,
  listAllKeys,
  listAllTags,
  tagMap,
  uniqueAlias,
} from './helpers.js';

interface Settled {
  ok: number;
  errors: string[];
}

async function settle(calls: Promise<unknown>[]): Promise<Settled> {
  const results = await Promise.allSettled(calls);
  const errors: string[] = [];
  let ok = 0;
  for (const r of results) {
    if (r.status === 'fulfilled') ok++;
    else {
      const e = r.reason as { name: string; $metadata?: { httpStatusCode?: number } };
      assert.equal(e.$metadata?.httpStatusCode, 400, `a racing call failed with ${e.name} (HTTP ${e.$metadata?.httpStatusCode})`);
      errors.push(e.name);
    }
  }
  return { ok, errors };
}

describe('concurrent requests', () => {
  test('racing CreateAlias calls for one name: exactly one wins, the rest are AlreadyExistsException', async () => {
    const keys = await Promise.all(Array.from({ length: 5 }, () => createKey()));
    const name = uniqueAlias('race');
    const { ok, errors } = await settle(keys.map((k) => kms().createAlias({ AliasName: name, TargetKeyId: k.KeyId })));
    assert.equal(ok, 1, 'exactly one CreateAlias succeeds');
    assert.deepEqual(errors, Array(4).fill('AlreadyExistsException'));
    const listed = (await listAllAliases()).items.filter((a) => a.AliasName === name);
    assert.equal(listed.length, 1, 'the alias exists once');
    assert.ok(keys.some((k) => k.KeyId === listed[0]!.TargetKeyId));
    assert.equal((await describeKey(name)).KeyId, listed[0]!.TargetKeyId);
  });

  test('racing ScheduleKeyDeletion calls: one succeeds, the others are KMSInvalidStateException', async () => {
    const md = await createKey();
    const { ok, errors } = await settle(
      Array.from({ length: 4 }, () => kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 })),
    );
    assert.equal(ok, 1);
    assert.deepEqual(errors, Array(3).fill('KMSInvalidStateException'));
    assert.equal((await describeKey(md.KeyId!)).KeyState, 'PendingDeletion');
  });

  test('racing CancelKeyDeletion calls: one succeeds, the others are KMSInvalidStateException', async () => {
    const md = await createKey();
    await kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    const { ok, errors } = await settle(Array.from({ length: 4 }, () => kms().cancelKeyDeletion({ KeyId: md.KeyId })));
    assert.equal(ok, 1);
    assert.deepEqual(errors, Array(3).fill('KMSInvalidStateException'));
    assert.equal((await describeKey(md.KeyId!)).KeyState, 'Disabled');
  });

  test('concurrent TagResource calls with different tag keys all take effect', async () => {
    const md = await createKey();
    const tags = Array.from({ length: 10 }, (_, i) => ({ TagKey: `t${i}`, TagValue: `v${i}` }));
    const { ok } = await settle(tags.map((t) => kms().tagResource({ KeyId: md.KeyId, Tags: [t] })));
    assert.equal(ok, 10);
    assert.deepEqual(tagMap((await listAllTags(md.KeyId!)).items), tagMap(tags));
  });

  test('concurrent description and tag changes on one key do not overwrite each other', async () => {
    const md = await createKey();
    await settle([
      kms().updateKeyDescription({ KeyId: md.KeyId, Description: 'concurrent description' }),
      kms().tagResource({ KeyId: md.KeyId, Tags: [{ TagKey: 'a', TagValue: '1' }] }),
      kms().tagResource({ KeyId: md.KeyId, Tags: [{ TagKey: 'b', TagValue: '2' }] }),
      kms().disableKey({ KeyId: md.KeyId }),
    ]);
    const now = await describeKey(md.KeyId!);
    assert.equal(now.Description, 'concurrent description');
    assert.equal(now.KeyState, 'Disabled');
    assert.deepEqual(tagMap((await listAllTags(md.KeyId!)).items), { a: '1', b: '2' });
  });

  test('concurrent CreateKey calls give distinct keys, all listed', async () => {
    const created = await Promise.all(Array.from({ length: 10 }, () => createKey()));
    const ids = new Set(created.map((k) => k.KeyId));
    assert.equal(ids.size, 10);
    const materials = new Set(created.map((k) => k.CurrentKeyMaterialId));
    assert.equal(materials.size, 10, 'each key has its own material');
    const listed = new Set((await listAllKeys(undefined, 1000)).items.map((k) => k.KeyId));
    for (const id of ids) assert.ok(listed.has(id), `key ${id} listed`);
  });
});
