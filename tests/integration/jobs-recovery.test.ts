/**
 * Jobs that die mid-way: a run is cut off after some of its keys (every store call fails from then on,
 * as if the process was killed), or its event sink fails after the state change was committed. A second
 * run must finish the work with nothing lost and nothing done twice. The jobs run in this test's own
 * process, on the service's table and root key, so the failures can be injected; the results are read
 * back through the API.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobContext } from '../../shared/jobs/context.js';
import { rotationJob } from '../../shared/jobs/rotation-job.js';
import type { KeyStore } from '../../shared/store/ports.js';
import type { Sinks } from '../../shared/core/sinks.js';
import { createServices } from '../../shared/services.js';
import { kms, utf8, assertBytesEqual } from './helpers.js';
import { daysFrom, readJsonLines, serviceConfig } from './jobs.js';

const REGION = 'ap-northeast-1';
const client = () => kms(REGION);

function services() {
  return createServices(serviceConfig(0));
}

/** A store that works for `calls` commits and then fails like a dead process. */
function dyingStore(inner: KeyStore, commits: number): KeyStore {
  let left = commits;
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (left <= 0) return Promise.reject(new Error('killed'));
        if (property === 'commitKey') left--;
        return value.apply(target, args);
      };
    },
  });
}

async function rotatingKeys(count: number) {
  const keys = [];
  for (let i = 0; i < count; i++) {
    const { KeyMetadata } = await client().createKey({});
    await client().enableKeyRotation({ KeyId: KeyMetadata!.KeyId, RotationPeriodInDays: 90 });
    const blob = (await client().encrypt({ KeyId: KeyMetadata!.KeyId, Plaintext: utf8(`k${i}`) })).CiphertextBlob!;
    keys.push({ keyId: KeyMetadata!.KeyId!, blob, text: `k${i}` });
  }
  return keys;
}

async function rotationCount(keyId: string) {
  return (await client().listKeyRotations({ KeyId: keyId })).Rotations!.length;
}

const eventsOf = (keyId: string) => readJsonLines('events.jsonl').filter((e) => e['detail-type'] === 'KMS CMK Rotation' && e.detail['key-id'] === keyId);

test('a rotation run killed after two keys is finished by the next run: each key rotates once', async () => {
  const keys = await rotatingKeys(5);
  const now = daysFrom(Date.now(), 100);
  const svc = services();
  const ctx = svc.jobContext(REGION, now);
  const killed: JobContext = { ...ctx, store: dyingStore(ctx.store, 2) };
  const first = await rotationJob(killed).catch((error: Error) => error);
  // The run "died": either it threw, or every key after the second failed.
  if (!(first instanceof Error)) assert.ok(first.failures.length >= 1, 'the killed run reported the keys it could not do');

  const rotatedBefore = (await Promise.all(keys.map((k) => rotationCount(k.keyId)))).reduce((a, b) => a + b, 0);
  assert.equal(rotatedBefore, 2, 'the first run rotated exactly the keys it got through');

  const second = await rotationJob(svc.jobContext(REGION, now));
  assert.equal(second.failures.length, 0);
  for (const key of keys) {
    assert.equal(await rotationCount(key.keyId), 1, `${key.keyId} rotated once`);
    assert.equal(eventsOf(key.keyId).length, 1, `${key.keyId}: one rotation event`);
    const out = await client().decrypt({ CiphertextBlob: key.blob });
    assertBytesEqual(out.Plaintext, utf8(key.text));
  }
  // And a third run finds nothing to do.
  const third = await rotationJob(svc.jobContext(REGION, now));
  assert.equal(third.done, 0);
});

test('events whose delivery failed after the rotation was committed go out on the next run, once', async () => {
  const [key] = await rotatingKeys(1);
  const now = daysFrom(Date.now(), 100);
  const svc = services();
  const ctx = svc.jobContext(REGION, now);
  const broken: Sinks = { ...ctx.sinks, events: { publish: () => Promise.reject(new Error('EventBridge unavailable')) } };
  await assert.rejects(rotationJob({ ...ctx, sinks: broken }), /EventBridge unavailable/);
  assert.equal(await rotationCount(key!.keyId), 1, 'the rotation itself was committed');
  assert.equal(eventsOf(key!.keyId).length, 0, 'its event was not sent');

  const rerun = await rotationJob(svc.jobContext(REGION, now));
  assert.ok(rerun.delivered >= 1);
  assert.equal(rerun.done, 0, 'nothing rotates twice');
  assert.equal(await rotationCount(key!.keyId), 1);
  assert.equal(eventsOf(key!.keyId).length, 1, 'the event went out once');
});

test('an entry claimed by a delivery that died is delivered by the next run seconds later, not a minute', async () => {
  const { deliverOutbox } = await import('../../shared/store/outbox.js');
  const region = 'ap-southeast-4'; // an outbox no other test fills
  await kms(region).listKeys({}); // the region's table is made on its first request
  const ctx = services().jobContext(region, new Date());
  const id = `audit#claim-test-${Date.now()}`;
  const record = { eventVersion: '1.08', eventID: id.slice(6), eventTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), eventName: 'ClaimTest', eventType: 'AwsApiCall' };
  await ctx.jobStore.putOutbox([{ id, kind: 'audit', body: record }]);
  const delivered: string[] = [];
  const sinks: Sinks = { ...ctx.sinks, audit: { write: async (records) => void delivered.push(...records.map((r) => r.eventID)) } };
  const crashedAt = Date.now();
  assert.equal(await ctx.jobStore.claimOutbox(id, crashedAt, crashedAt + 5_000), true, 'a run claims it, then dies');
  assert.equal(await deliverOutbox(ctx.jobStore, sinks, () => crashedAt + 1_000), 0, 'held while the claim stands');
  assert.equal(await deliverOutbox(ctx.jobStore, sinks, () => crashedAt + 6_000), 1, 'taken over after 5 s');
  assert.deepEqual(delivered, [record.eventID]);
});
