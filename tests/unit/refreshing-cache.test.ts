/**
 * The hot path's cache (shared/store/refreshing-cache.ts): concurrent misses share one read, used entries
 * are re-read ahead of expiry while the cached value is served, a write wins over a read in flight, and a
 * value is never served past its TTL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RefreshingCache } from '../../shared/store/refreshing-cache.js';

/** A store whose reads wait until released, counting them. */
function slowStore<V>(value: () => V) {
  const waiting: Array<() => void> = [];
  const store = {
    reads: 0,
    load: (): Promise<V> => {
      store.reads++;
      return new Promise((resolve) => waiting.push(() => resolve(value())));
    },
    release: async () => {
      for (const go of waiting.splice(0)) go();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
  return store;
}

test('32 concurrent misses for one id make one store read, and all get its value', async () => {
  let now = 0;
  const reads: string[] = [];
  const cache = new RefreshingCache<string>({ ttlMs: 5000, maxEntries: 10, now: () => now, onRead: (kind) => reads.push(kind) });
  const store = slowStore(() => 'v1');
  const answers = Array.from({ length: 32 }, () => cache.get('k', store.load));
  await store.release();
  assert.deepEqual(await Promise.all(answers), Array(32).fill('v1'));
  assert.equal(store.reads, 1);
  assert.deepEqual(reads, ['miss']);
  assert.equal(cache.get('k', store.load), 'v1', 'a fresh hit is synchronous');
  now = 5000;
  const again = cache.get('k', store.load);
  assert.ok(again instanceof Promise, 'an expired entry is read again');
  await store.release();
  assert.equal(await again, 'v1');
});

test('an entry used near its expiry is re-read in the background while the old value is served; a steady load never waits', async () => {
  let now = 0;
  let version = 1;
  const reads: string[] = [];
  const cache = new RefreshingCache<string>({ ttlMs: 5000, refreshAheadMs: 1000, maxEntries: 10, now: () => now, onRead: (kind) => reads.push(kind) });
  const store = slowStore(() => `v${version}`);
  const first = cache.get('k', store.load);
  await store.release();
  assert.equal(await first, 'v1');
  version = 2;
  // Every 100 ms for 20 s: never a promise (no request waits), the new value soon after each refresh.
  const seen = new Set<string>();
  for (now = 100; now <= 20_000; now += 100) {
    const value = cache.get('k', store.load);
    assert.equal(typeof value, 'string', `at ${now} ms the request waited on the store`);
    seen.add(value as string);
    if (now % 500 === 0) await store.release();
  }
  assert.deepEqual([...seen], ['v1', 'v2']);
  assert.equal(reads[0], 'miss');
  assert.ok(reads.slice(1).every((kind) => kind === 'refresh') && reads.length >= 5, `reads: ${reads.join(',')}`);
});

test('a refresh that fails keeps the value until it expires, never longer', async () => {
  let now = 0;
  let fail = false;
  const cache = new RefreshingCache<string>({ ttlMs: 5000, refreshAheadMs: 1000, maxEntries: 10, now: () => now });
  const load = async () => {
    if (fail) throw new Error('store down');
    return 'v1';
  };
  assert.equal(await cache.get('k', load), 'v1');
  fail = true;
  now = 4500;
  assert.equal(cache.get('k', load), 'v1');
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(cache.get('k', load), 'v1', 'still within the TTL');
  now = 5000;
  await assert.rejects(Promise.resolve(cache.get('k', load)), /store down/);
});

test('a write through this process wins over a read in flight (miss or refresh), and a delete too', async () => {
  let now = 0;
  const cache = new RefreshingCache<string>({ ttlMs: 5000, maxEntries: 10, now: () => now });
  const stale = slowStore(() => 'read before the write');
  const reading = cache.get('k', stale.load);
  cache.set('k', 'written');
  await stale.release();
  assert.equal(await reading, 'read before the write', 'the waiting request gets what it read');
  assert.equal(cache.get('k', stale.load), 'written', 'but the cache keeps the write');

  now = 4500; // in the refresh window
  assert.equal(cache.get('k', stale.load), 'written');
  cache.set('k', 'written again');
  await stale.release();
  assert.equal(cache.get('k', stale.load), 'written again', 'a refresh that raced the write is dropped');

  const deleting = slowStore(() => 'read before the delete');
  cache.delete('k');
  const reread = cache.get('k', deleting.load);
  cache.delete('k');
  await deleting.release();
  assert.equal(await reread, 'read before the delete');
  const after = cache.get('k', async () => 'from the store');
  assert.ok(after instanceof Promise, 'nothing was kept after the delete');
  assert.equal(await after, 'from the store');
});

test('"not found" is remembered only for the negative TTL, a TTL of 0 caches nothing, and the oldest entry goes when full', async () => {
  let now = 0;
  let reads = 0;
  const missing = async () => {
    reads++;
    return undefined;
  };
  const negative = new RefreshingCache<string>({ ttlMs: 5000, negativeTtlMs: 1000, maxEntries: 10, now: () => now });
  assert.equal(await negative.get('k', missing), undefined);
  assert.equal(negative.get('k', missing), undefined);
  assert.equal(reads, 1);
  now = 1000;
  assert.equal(await negative.get('k', missing), undefined);
  assert.equal(reads, 2);

  const none = new RefreshingCache<string>({ ttlMs: 0, maxEntries: 10, now: () => now });
  await none.get('k', async () => 'a');
  none.set('k', 'b');
  assert.equal(await none.get('k', async () => 'c'), 'c');

  const small = new RefreshingCache<string>({ ttlMs: 5000, maxEntries: 2, now: () => now });
  small.set('a', '1');
  small.set('b', '2');
  small.set('c', '3');
  assert.ok(small.get('a', async () => 'reread') instanceof Promise, 'a, the oldest, went');
  assert.equal(small.get('c', async () => 'reread'), '3');
});
