/** useRecorder: a credential's use is written at most once an interval, after the request's own reads leave. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useRecorder } from '../../shared/credentials/use-recorder.js';
import type { CachedCredential } from '../../shared/credentials/credential-cache.js';

const credential = (accessKeyId: string) => ({ accessKeyId }) as CachedCredential;

test('the write starts after what the request does next, in the same turn and its promises', async () => {
  const order: string[] = [];
  const record = useRecorder({ recordUse: async (id) => void order.push(`write ${id}`) }, { warn: () => {} });
  record(credential('AKIA1'));
  order.push('request reads');
  await Promise.resolve().then(() => order.push('request reads, after an await'));
  assert.deepEqual(order, ['request reads', 'request reads, after an await']);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, ['request reads', 'request reads, after an await', 'write AKIA1']);
});

test('once per credential an interval; a failed write is logged, not thrown', async () => {
  const writes: string[] = [];
  const warnings: string[] = [];
  const record = useRecorder(
    { recordUse: async (id) => { writes.push(id); if (id === 'AKIABAD') throw new Error('store down'); } },
    { warn: (message) => void warnings.push(message) },
  );
  for (const id of ['AKIA1', 'AKIA1', 'AKIA2', 'AKIA1', 'AKIABAD']) record(credential(id));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(writes, ['AKIA1', 'AKIA2', 'AKIABAD']);
  assert.deepEqual(warnings, ['could not record a credential use']);
});

test('given `later`, the write starts only when the held work runs (the Lambda handler: once answered)', async () => {
  const writes: string[] = [];
  const held: Array<() => void> = [];
  const record = useRecorder({ recordUse: async (id) => void writes.push(id) }, { warn: () => {} }, (work) => void held.push(work));
  record(credential('AKIA1'));
  record(credential('AKIA1'));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(writes, [], 'nothing written while held');
  assert.equal(held.length, 1, 'one write for the interval');
  held.shift()!();
  await Promise.resolve();
  assert.deepEqual(writes, ['AKIA1']);
});
