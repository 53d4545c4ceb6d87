/**
 * Concurrent writers of one item serialize (shared/keys/conflict-retry.ts): every request ends in
 * success or AWS's documented error, never a 500, and the end state is one of the serial outcomes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createKey, kms, uniqueAlias } from './helpers.js';

/** The outcome of each request: 'ok' or the error's name; a 5xx shows as its name too (KMSInternalException). */
async function outcomes(requests: Array<() => Promise<unknown>>): Promise<string[]> {
  const settled = await Promise.allSettled(requests.map((run) => run()));
  return settled.map((result) => (result.status === 'fulfilled' ? 'ok' : (result.reason as Error).name));
}

const count = (items: string[]) => items.reduce<Record<string, number>>((acc, item) => ({ ...acc, [item]: (acc[item] ?? 0) + 1 }), {});

describe('races', { timeout: 120_000 }, () => {
  test('50 concurrent UpdateAlias calls all succeed; the alias names one of the targets', async () => {
    const keys = await Promise.all([createKey(), createKey(), createKey()]);
    const alias = uniqueAlias('race');
    await kms().createAlias({ AliasName: alias, TargetKeyId: keys[0]!.KeyId });
    const targets = Array.from({ length: 50 }, (_, i) => keys[i % keys.length]!.KeyId!);
    const results = await outcomes(targets.map((target) => () => kms().updateAlias({ AliasName: alias, TargetKeyId: target })));
    assert.deepEqual(count(results), { ok: 50 });
    const described = await kms().describeKey({ KeyId: alias });
    assert.ok(keys.some((k) => k.KeyId === described.KeyMetadata?.KeyId));
  });

  test('30 concurrent RotateKeyOnDemand calls: 25 rotations (the limit), then LimitExceededException; no 5xx', async () => {
    const key = await createKey();
    const results = await outcomes(Array.from({ length: 30 }, () => () => kms().rotateKeyOnDemand({ KeyId: key.KeyId })));
    assert.deepEqual(count(results), { ok: 25, LimitExceededException: 5 });
    const rotations = await kms().listKeyRotations({ KeyId: key.KeyId, Limit: 1000 });
    assert.equal(rotations.Rotations?.length, 25);
    // Every rotation's material decrypts what it encrypted: the key is whole.
    const out = await kms().encrypt({ KeyId: key.KeyId, Plaintext: Buffer.from('after the race') });
    assert.equal(Buffer.from((await kms().decrypt({ CiphertextBlob: out.CiphertextBlob })).Plaintext!).toString(), 'after the race');
  });

  test('40 concurrent TagResource calls with distinct tags all succeed, and every tag is kept', async () => {
    const key = await createKey();
    const results = await outcomes(
      Array.from({ length: 40 }, (_, i) => () => kms().tagResource({ KeyId: key.KeyId, Tags: [{ TagKey: `k${i}`, TagValue: `v${i}` }] })),
    );
    assert.deepEqual(count(results), { ok: 40 });
    const tags = await kms().listResourceTags({ KeyId: key.KeyId, Limit: 50 });
    assert.equal(tags.Tags?.length, 40);
  });

  test('concurrent DisableKey, EnableKey and UpdateKeyDescription end in a serial outcome', async () => {
    const key = await createKey();
    const requests = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0 ? () => kms().disableKey({ KeyId: key.KeyId }) : i % 3 === 1 ? () => kms().enableKey({ KeyId: key.KeyId }) : () => kms().updateKeyDescription({ KeyId: key.KeyId, Description: `d${i}` }),
    );
    assert.deepEqual(count(await outcomes(requests)), { ok: 30 });
    const { KeyMetadata } = await kms().describeKey({ KeyId: key.KeyId });
    assert.ok(['Enabled', 'Disabled'].includes(KeyMetadata!.KeyState!));
    assert.match(KeyMetadata!.Description!, /^d\d+$/);
  });
});
