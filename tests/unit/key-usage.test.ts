/** The key-usage recorder (shared/keys/key-usage.ts): coalesced writes, newest use first, flush. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyUsageRecorder } from '../../shared/keys/key-usage.js';
import type { KeyUsage, KeyUsageStore } from '../../shared/store/ports.js';

/** An in-memory store that keeps the newest use per region/key and counts writes. */
function memoryStores() {
  const items = new Map<string, KeyUsage>();
  const writes: string[] = [];
  const storeFor = (region: string): KeyUsageStore => ({
    async recordUsage(keyId, usage) {
      writes.push(`${region}/${keyId}/${usage.operation}`);
      const known = items.get(`${region}/${keyId}`);
      if (!known || known.at < usage.at) items.set(`${region}/${keyId}`, usage);
    },
    async lastUsage(keyId) {
      return items.get(`${region}/${keyId}`);
    },
  });
  return { storeFor, items, writes };
}

const use = (operation: string, at: number): KeyUsage => ({ operation, at, eventId: `e-${at}`, requestId: `r-${at}` });

test('the first use is written at once; later uses within the interval wait, the newest is written when it ends', async () => {
  let now = 1_000_000;
  const { storeFor, writes, items } = memoryStores();
  const recorder = new KeyUsageRecorder(storeFor, { intervalMs: 60_000, now: () => now });
  recorder.record('r1', 'k', use('Encrypt', now));
  for (let i = 1; i <= 100; i++) recorder.record('r1', 'k', use(i % 2 ? 'Decrypt' : 'Encrypt', now + i));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes, ['r1/k/Encrypt'], 'one write for 101 uses');
  // This instance answers with the newest use although the store has the first.
  assert.equal((await recorder.last('r1', 'k'))?.at, now + 100);
  assert.equal(items.get('r1/k')?.at, now);
  // Once the interval has passed, the next use writes the newest.
  now += 60_000;
  recorder.record('r1', 'k', use('Sign', now));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes, ['r1/k/Encrypt', 'r1/k/Sign']);
});

test('an older use never replaces a newer one; keys and regions are apart', async () => {
  const now = 5_000;
  const { storeFor, writes } = memoryStores();
  const recorder = new KeyUsageRecorder(storeFor, { now: () => now });
  recorder.record('r1', 'k', use('Encrypt', 10));
  recorder.record('r1', 'k', use('Decrypt', 5));
  recorder.record('r2', 'k', use('Sign', 7));
  recorder.record('r1', 'other', use('Verify', 8));
  await recorder.flush();
  assert.equal((await recorder.last('r1', 'k'))?.operation, 'Encrypt');
  assert.equal((await recorder.last('r2', 'k'))?.operation, 'Sign');
  assert.deepEqual(writes.sort(), ['r1/k/Encrypt', 'r1/other/Verify', 'r2/k/Sign']);
});

test('flush writes what is pending and waits for it; a failed write is reported, not thrown', async () => {
  const now = 0;
  const { storeFor, writes } = memoryStores();
  const recorder = new KeyUsageRecorder(storeFor, { now: () => now });
  recorder.record('r1', 'k', use('Encrypt', 1));
  recorder.record('r1', 'k', use('Decrypt', 2));
  await recorder.flush();
  assert.deepEqual(writes, ['r1/k/Encrypt', 'r1/k/Decrypt']);

  const failing = new KeyUsageRecorder(() => ({ recordUsage: async () => Promise.reject(new Error('store down')), lastUsage: async () => undefined }));
  const errors: string[] = [];
  failing.onError = (error, keyId) => errors.push(`${keyId}: ${(error as Error).message}`);
  failing.record('r1', 'k', use('Encrypt', 1));
  await failing.flush();
  assert.deepEqual(errors, ['k: store down']);
});

test('a pending use is written by the timer once its interval has passed', async () => {
  let now = 0;
  const { storeFor, writes } = memoryStores();
  const recorder = new KeyUsageRecorder(storeFor, { intervalMs: 30, now: () => now });
  recorder.record('r1', 'k', use('Encrypt', 1));
  recorder.record('r1', 'k', use('Decrypt', 2));
  now = 30;
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(writes, ['r1/k/Encrypt', 'r1/k/Decrypt']);
});

test('given `later`, a due write starts when the held work runs, once per key; flush writes what is held', async () => {
  const now = 1_000;
  const { storeFor, writes } = memoryStores();
  const recorder = new KeyUsageRecorder(storeFor, { now: () => now });
  const held: Array<() => void> = [];
  recorder.later = (work) => void held.push(work);
  recorder.record('r1', 'k', use('Encrypt', 1));
  recorder.record('r1', 'k', use('Decrypt', 2));
  recorder.record('r1', 'other', use('Sign', 3));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes, [], 'nothing written while held');
  assert.equal(held.length, 2, 'one held write per key');
  assert.equal((await recorder.last('r1', 'k'))?.operation, 'Decrypt', 'this instance knows the newest use meanwhile');
  held.shift()!();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(writes, ['r1/k/Decrypt'], 'the newest use of the key');
  await recorder.flush();
  assert.deepEqual(writes, ['r1/k/Decrypt', 'r1/other/Sign'], 'flush does not wait for what is held');
  held.shift()!();
  await new Promise((r) => setImmediate(r));
  assert.equal(writes.length, 2, 'the held work finds nothing left to write');
});
