/** core/on-first-use: made once and shared, and a failure not kept (the next call tries again). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onFirstUse } from '../../shared/core/on-first-use.js';

test('made once for every call, at the first; a failed make is tried again by the next call', async () => {
  let calls = 0;
  const fail = [true, false];
  const get = onFirstUse(async () => {
    calls++;
    if (fail.shift()) throw new Error('unreachable');
    return { made: calls };
  });
  assert.equal(calls, 0, 'nothing made before the first call');
  await assert.rejects(get(), /unreachable/);
  const [a, b] = await Promise.all([get(), get()]);
  assert.equal(a, b, 'concurrent calls share one make');
  assert.deepEqual(a, { made: 2 });
  assert.equal(await get(), a);
  assert.equal(calls, 2);
});
