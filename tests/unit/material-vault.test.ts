/** core/material-vault: what it keeps in memory, and whether it holds any of a key's materials. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { MaterialVault } from '../../shared/core/material-vault.js';

const rootKey = randomBytes(32);
const vault = () => new MaterialVault({ rootKeyId: 'test', rootKey: async () => rootKey }, { bytes: (n) => randomBytes(n) });

test('holdsAnyOf follows what is cached: made, unwrapped, forgotten, cleared', async () => {
  const mine = vault();
  const other = vault();
  const first = await other.create('key-a', 1);
  const second = await other.create('key-a', 2);
  assert.equal(mine.holdsAnyOf('key-a'), false);

  assert.ok((await mine.unwrap(first)).equals(other.cached('key-a', first.keyMaterialId)!));
  await mine.unwrap(first); // again: still one entry
  assert.equal(mine.holdsAnyOf('key-a'), true);
  await mine.unwrap(second);
  mine.forget('key-a', first.keyMaterialId);
  assert.equal(mine.holdsAnyOf('key-a'), true, 'the second is still held');
  mine.forget('key-a', first.keyMaterialId); // forgetting what is not held changes nothing
  mine.forget('key-a', second.keyMaterialId);
  assert.equal(mine.holdsAnyOf('key-a'), false);

  await mine.create('key-b', 3);
  assert.equal(mine.holdsAnyOf('key-b'), true, 'a material made here is held');
  mine.clear();
  assert.equal(mine.holdsAnyOf('key-b'), false);
});

test('holdsAnyOf stays true to the cache when the oldest entries are evicted', async () => {
  const mine = vault();
  const first = await mine.create('key-old', 1);
  for (let i = 0; i < 10_000; i++) await mine.create(`key-${i}`, i); // the cache holds 10,000
  assert.equal(mine.cached('key-old', first.keyMaterialId), undefined, 'the oldest was evicted');
  assert.equal(mine.holdsAnyOf('key-old'), false);
  assert.equal(mine.holdsAnyOf('key-0'), true);
});
