/**
 * The deletion job (KMS-REFERENCE §10, §11) against the running service and DynamoDB Local: keys are
 * deleted when their waiting period ends and not a millisecond before, with their aliases, grants and
 * material; the `KMS CMK Deletion` event and the CloudTrail `DeleteKey` record go out once; cancelling
 * stops it; a warning goes out a day before; refused uses of a key pending deletion raise one alarm per
 * batch; two runs at once, a re-run, and a run killed mid-way change nothing twice and lose nothing.
 *
 * Region eu-north-1 is this file's own: a job acts on every due key of its region.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { paginateListAliases, paginateListKeys } from '@aws-sdk/client-kms';
import type { JobContext, JobReport } from '../../shared/jobs/context.js';
import { deletionJob } from '../../shared/jobs/deletion-job.js';
import type { JobStore } from '../../shared/store/job-store.js';
import { DYNAMODB_LOCAL_CREDENTIALS } from '../../shared/services.js';
import { DynamoJobStore } from '../../shared/store/dynamo-job-store.js';
import { DynamoKeyStore } from '../../shared/store/dynamo-key-store.js';
import { ACCOUNT, createAlias, createKey, describeKey, expectKmsError, keyArn, kms, utf8 } from './helpers.js';
import { daysFrom, readJsonLines, runJob } from './jobs.js';
import { scanTable } from './table.js';

const REGION = 'eu-north-1';
const HOUR_MS = 3_600_000;
const client = () => kms(REGION);

async function scheduled(days = 7) {
  const key = await createKey({ Description: 'deletion job test' }, REGION);
  const keyId = key.KeyId!;
  await client().scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: days });
  const deletionDate = (await describeKey(keyId, REGION)).DeletionDate!;
  assert.ok(deletionDate instanceof Date);
  return { keyId, arn: keyArn(keyId, REGION), deletionDate };
}

/** A key with an alias, a grant (with a retiring principal) and a ciphertext, then scheduled for deletion. */
async function furnishedKey() {
  const key = await createKey({ Description: 'deletion job test' }, REGION);
  const keyId = key.KeyId!;
  const alias = await createAlias(keyId, REGION, 'del');
  const retiring = `arn:aws:iam::${ACCOUNT}:role/deletion-${randomUUID()}`;
  const grant = await client().createGrant({
    KeyId: keyId,
    GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/app`,
    RetiringPrincipal: retiring,
    Operations: ['Encrypt', 'Decrypt'],
  });
  const { CiphertextBlob } = await client().encrypt({ KeyId: keyId, Plaintext: utf8('secret') });
  await client().scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 7 });
  const deletionDate = (await describeKey(keyId, REGION)).DeletionDate!;
  return { keyId, arn: keyArn(keyId, REGION), alias, retiring, grantId: grant.GrantId!, ciphertext: CiphertextBlob!, deletionDate };
}

async function aliasNames(): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListAliases({ client: client() }, {})) names.push(...(page.Aliases ?? []).map((a) => a.AliasName!));
  return names;
}

async function keyIds(): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of paginateListKeys({ client: client() }, {})) ids.push(...(page.Keys ?? []).map((k) => k.KeyId!));
  return ids;
}

async function retirableGrantIds(retiring: string): Promise<string[]> {
  const out = await client().listRetirableGrants({ RetiringPrincipal: retiring });
  return (out.Grants ?? []).map((g) => g.GrantId!);
}

const deletionEventsOf = (keyId: string) =>
  readJsonLines('events.jsonl').filter((e) => e['detail-type'] === 'KMS CMK Deletion' && e.detail?.['key-id'] === keyId);
const notificationsOf = (arn: string, severity: 'ALARM' | 'WARNING') =>
  readJsonLines('notifications.jsonl').filter((n) => n.keyArn === arn && n.severity === severity);
const deleteKeyRecordsOf = (arn: string, day: Date) =>
  readJsonLines(`audit/${day.toISOString().slice(0, 10)}.jsonl`).filter(
    (r) => r.eventName === 'DeleteKey' && r.eventType === 'AwsServiceEvent' && r.resources?.[0]?.ARN === arn,
  );

/** Every item of the region's table that still mentions the key (key, list entry, material, grants, aliases, markers). */
async function itemsMentioning(keyId: string) {
  return (await scanTable(REGION)).filter((item) => JSON.stringify(item).includes(keyId));
}

/** DescribeKey until NotFoundException: another process's cached copy of a key may live a few seconds (AWS: eventual consistency). */
async function expectGone(keyId: string) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await client().describeKey({ KeyId: keyId });
    } catch (error) {
      if ((error as Error).name === 'NotFoundException') break;
      throw error;
    }
    if (Date.now() > deadline) assert.fail(`${keyId} still describable 10 s after its deletion`);
    await new Promise((r) => setTimeout(r, 250));
  }
  await expectKmsError(client().describeKey({ KeyId: keyId }), 'NotFoundException', `Key '${keyArn(keyId, REGION)}' does not exist`);
}

const sum = (reports: JobReport[], name: string) => reports.reduce((n, r) => n + (r.extra?.[name] ?? 0), 0);

describe('deletion job', () => {
  test('deletes at DeletionDate, not 1 ms before: key, material, aliases, grants; NotFound afterwards; event and DeleteKey once', async () => {
    const k = await furnishedKey();

    const early = await runJob('deletion', { now: new Date(k.deletionDate.getTime() - 1), region: REGION });
    assert.deepEqual(early.failures, []);
    const meta = await describeKey(k.keyId, REGION);
    assert.equal(meta.KeyState, 'PendingDeletion');
    assert.ok((await aliasNames()).includes(k.alias));
    assert.deepEqual(await retirableGrantIds(k.retiring), [k.grantId]);
    assert.equal(deletionEventsOf(k.keyId).length, 0);

    const due = await runJob('deletion', { now: k.deletionDate, region: REGION });
    assert.deepEqual(due.failures, []);
    assert.ok(due.done >= 1, `the key was deleted: ${JSON.stringify(due)}`);

    await expectGone(k.keyId);
    await expectKmsError(client().describeKey({ KeyId: k.arn }), 'NotFoundException', `Key '${k.arn}' does not exist`);
    await expectKmsError(client().encrypt({ KeyId: k.keyId, Plaintext: utf8('x') }), 'NotFoundException', `Key '${k.arn}' does not exist`);
    await expectKmsError(client().scheduleKeyDeletion({ KeyId: k.keyId }), 'NotFoundException', `Key '${k.arn}' does not exist`);
    await expectKmsError(client().cancelKeyDeletion({ KeyId: k.keyId }), 'NotFoundException', `Key '${k.arn}' does not exist`);
    await expectKmsError(client().listGrants({ KeyId: k.keyId }), 'NotFoundException');
    await expectKmsError(client().describeKey({ KeyId: k.alias }), 'NotFoundException');
    assert.ok(!(await keyIds()).includes(k.keyId), 'gone from ListKeys');
    assert.ok(!(await aliasNames()).includes(k.alias), 'its alias is gone from ListAliases');
    assert.deepEqual(await retirableGrantIds(k.retiring), [], 'its grant is gone from ListRetirableGrants');
    assert.deepEqual(await itemsMentioning(k.keyId), [], 'nothing of the key is left in the table');

    const events = deletionEventsOf(k.keyId);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.source, 'aws.kms');
    assert.equal(events[0]!.region, REGION);
    assert.equal(events[0]!.account, ACCOUNT);
    assert.deepEqual(events[0]!.resources, [k.arn]);
    assert.deepEqual(events[0]!.detail, { 'key-id': k.keyId });
    assert.match(events[0]!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const records = deleteKeyRecordsOf(k.arn, k.deletionDate);
    assert.equal(records.length, 1);
    assert.deepEqual(records[0]!.responseElements, { keyId: k.arn });
    assert.deepEqual(records[0]!.userIdentity, { accountId: ACCOUNT, invokedBy: 'AWS Internal' });

    // A re-run after completion finds nothing more to do for it.
    const again = await runJob('deletion', { now: daysFrom(k.deletionDate, 1), region: REGION });
    assert.deepEqual(again.failures, []);
    assert.equal(deletionEventsOf(k.keyId).length, 1);
    assert.equal(deleteKeyRecordsOf(k.arn, k.deletionDate).length, 1);
  });

  test('cancelled during the window: the job leaves the key Disabled, usable after EnableKey', async () => {
    const k = await scheduled(7);
    await runJob('deletion', { now: new Date(k.deletionDate.getTime() - 12 * HOUR_MS), region: REGION });
    assert.equal(notificationsOf(k.arn, 'WARNING').length, 1, 'warned a day ahead');

    // A refused use just before the cancel: its alarm still goes out, then the record is forgotten.
    await expectKmsError(client().encrypt({ KeyId: k.keyId, Plaintext: utf8('x') }), 'KMSInvalidStateException', `${k.arn} is pending deletion.`);
    await client().cancelKeyDeletion({ KeyId: k.keyId });
    const report = await runJob('deletion', { now: daysFrom(k.deletionDate, 2), region: REGION });
    assert.deepEqual(report.failures, []);
    assert.equal(notificationsOf(k.arn, 'ALARM').length, 1);
    assert.deepEqual(
      (await itemsMentioning(k.keyId)).filter((item) => String(item.pk).startsWith('PD_USE#')),
      [],
      'the record of attempts is forgotten once reported',
    );
    const meta = await describeKey(k.keyId, REGION);
    assert.equal(meta.KeyState, 'Disabled');
    assert.equal(meta.DeletionDate, undefined);
    assert.equal(deletionEventsOf(k.keyId).length, 0);
    assert.ok((await keyIds()).includes(k.keyId));

    await client().enableKey({ KeyId: k.keyId });
    const { CiphertextBlob } = await client().encrypt({ KeyId: k.keyId, Plaintext: utf8('still here') });
    const { Plaintext } = await client().decrypt({ CiphertextBlob });
    assert.equal(Buffer.from(Plaintext!).toString(), 'still here');
  });

  test('use of a key pending deletion: KMSInvalidStateException, one alarm per batch of attempts; one warning a day ahead; concurrent runs and re-runs send each once', async () => {
    const key = await createKey({}, REGION);
    const keyId = key.KeyId!;
    const arn = keyArn(keyId, REGION);
    const { CiphertextBlob } = await client().encrypt({ KeyId: keyId, Plaintext: utf8('data') });
    await client().scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 7 });
    const deletionDate = (await describeKey(keyId, REGION)).DeletionDate!;

    const pending = `${arn} is pending deletion.`;
    await expectKmsError(client().encrypt({ KeyId: keyId, Plaintext: utf8('x') }), 'KMSInvalidStateException', pending);
    await expectKmsError(client().decrypt({ CiphertextBlob }), 'KMSInvalidStateException', pending);
    await expectKmsError(client().generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' }), 'KMSInvalidStateException', pending);
    await expectKmsError(client().reEncrypt({ CiphertextBlob, DestinationKeyId: keyId }), 'KMSInvalidStateException', pending);
    // Not a use: managing the key stays possible and raises nothing.
    await client().describeKey({ KeyId: keyId });

    const before = readJsonLines('notifications.jsonl').length;
    const now = new Date(deletionDate.getTime() - 2 * HOUR_MS);
    const runs = await Promise.all([runJob('deletion', { now, region: REGION }), runJob('deletion', { now, region: REGION })]);
    for (const r of runs) assert.deepEqual(r.failures, []);
    // Each warning or alarm a run counts is one notification: none was sent twice.
    assert.equal(sum(runs, 'warnings') + sum(runs, 'alarms'), readJsonLines('notifications.jsonl').length - before);

    const alarms = notificationsOf(arn, 'ALARM');
    assert.equal(alarms.length, 1);
    assert.equal(alarms[0]!.details.attempts, 4);
    assert.equal(alarms[0]!.account, ACCOUNT);
    assert.equal(alarms[0]!.region, REGION);
    const warnings = notificationsOf(arn, 'WARNING');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.details.deletionDate, deletionDate.toISOString());
    assert.equal((await describeKey(keyId, REGION)).KeyState, 'PendingDeletion', 'a warning changes nothing visible');

    // Re-run after completion: nothing new.
    const rerun = await runJob('deletion', { now: new Date(now.getTime() + HOUR_MS), region: REGION });
    assert.deepEqual(rerun.failures, []);
    assert.equal(notificationsOf(arn, 'ALARM').length, 1);
    assert.equal(notificationsOf(arn, 'WARNING').length, 1);

    // A new attempt: a new alarm for it alone.
    await expectKmsError(client().generateDataKeyWithoutPlaintext({ KeyId: keyId, KeySpec: 'AES_256' }), 'KMSInvalidStateException', pending);
    await runJob('deletion', { now: new Date(now.getTime() + HOUR_MS), region: REGION });
    const later = notificationsOf(arn, 'ALARM');
    assert.equal(later.length, 2);
    assert.equal(later[1]!.details.attempts, 1);
    assert.equal(later[1]!.details.totalAttempts, 5);
    assert.equal(later[1]!.details.lastOperation, 'GenerateDataKeyWithoutPlaintext');

    // At DeletionDate it goes, with its record of attempts.
    await runJob('deletion', { now: deletionDate, region: REGION });
    await expectGone(keyId);
    assert.equal(deletionEventsOf(keyId).length, 1);
    assert.deepEqual(await itemsMentioning(keyId), []);
  });

  test('two runs at once delete a key once: one event, one DeleteKey record', async () => {
    const k = await furnishedKey();
    const runs = await Promise.all([
      runJob('deletion', { now: k.deletionDate, region: REGION }),
      runJob('deletion', { now: k.deletionDate, region: REGION }),
    ]);
    for (const r of runs) assert.deepEqual(r.failures, []);
    await expectGone(k.keyId);
    assert.equal(deletionEventsOf(k.keyId).length, 1);
    assert.equal(deleteKeyRecordsOf(k.arn, k.deletionDate).length, 1);
    assert.ok(!(await aliasNames()).includes(k.alias));
    assert.deepEqual(await retirableGrantIds(k.retiring), []);
    assert.deepEqual(await itemsMentioning(k.keyId), []);
  });

  test('a run killed after deleting a key, before its cleanup and delivery: a re-run finishes both', async () => {
    const k = await furnishedKey();
    const tableName = process.env.KMS_TABLE_NAME!;
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: REGION, endpoint: process.env.KMS_DYNAMODB_ENDPOINT!, credentials: DYNAMODB_LOCAL_CREDENTIALS }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
    const jobStore = new DynamoJobStore(db, tableName, REGION);
    // The job as a separate process would run it, dying right after the deletion transaction.
    const dying: JobStore = Object.assign(Object.create(jobStore) as JobStore, {
      cleanupKey: async () => {
        throw new Error('killed');
      },
      listOutbox: async () => [],
    });
    const noSink = { publish: async () => {}, write: async () => {}, notify: async () => {} };
    const ctx = {
      region: REGION,
      now: k.deletionDate,
      store: new DynamoKeyStore(db, tableName, REGION),
      jobStore: dying,
      sinks: { events: noSink, audit: noSink, notifier: noSink },
      eventSource: 'aws.kms',
      log: () => {},
    } as unknown as JobContext;
    try {
      const killed = await deletionJob(ctx);
      assert.ok(killed.done >= 1);
      assert.ok(killed.failures.some((f) => f.keyId === k.keyId && f.error === 'killed'));
      // Half done: the key is gone, what hung off it and the outbox are not.
      await expectGone(k.keyId);
      assert.ok((await aliasNames()).includes(k.alias), 'the alias is still there');
      assert.deepEqual(await retirableGrantIds(k.retiring), [k.grantId], 'the grant is still there');
      assert.equal(deletionEventsOf(k.keyId).length, 0, 'the event is not delivered yet');
      assert.ok((await jobStore.listCleanups(1000)).some((c) => c.keyId === k.keyId), 'the cleanup marker is there');

      const rerun = await runJob('deletion', { now: new Date(k.deletionDate.getTime() + 60_000), region: REGION });
      assert.deepEqual(rerun.failures, []);
      assert.ok((rerun.extra?.cleanups ?? 0) >= 1);
      assert.ok(!(await aliasNames()).includes(k.alias), 'the alias is gone');
      assert.deepEqual(await retirableGrantIds(k.retiring), [], 'the grant is gone');
      assert.equal(deletionEventsOf(k.keyId).length, 1);
      assert.equal(deleteKeyRecordsOf(k.arn, k.deletionDate).length, 1);
      assert.deepEqual(await itemsMentioning(k.keyId), []);
    } finally {
      db.destroy();
    }
  });
});
