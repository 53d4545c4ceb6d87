/**
 * The API's audit trail over a streaming sink (the local runtime's group commit): a group whose write
 * failed midway (a full disk) leaves the records it got out whole in the file. Their requests are
 * answered as written, not kept in the outbox a second time; the others go to the fallback, or, without
 * one, fail their requests. A record whose line cannot be encoded fails its request either way.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileAuditSink } from '../../shared/adapters/file-sinks.js';
import { apiAuditTrail } from '../../shared/audit/api-trail.js';
import { PartlyWrittenError } from '../../shared/audit/buffer.js';
import type { CompletedCall } from '../../shared/audit/api-record.js';
import type { AuditRecord } from '../../shared/core/sinks.js';

const caller = { account: '111122223333', principalArn: 'arn:aws:iam::111122223333:user/alice', accessKeyId: 'AKIAEXAMPLE' };
const call = (requestId: string): CompletedCall => ({
  operation: 'ListKeys',
  request: { caller, region: 'us-east-1' },
  requestId,
  input: {},
  output: { Keys: [] },
  error: undefined,
  ctx: undefined,
});

/** A streaming sink whose one group fails: `fail(error)` refuses every record appended so far. */
function failingGroupSink() {
  const appended: AuditRecord[] = [];
  let fail!: (error: unknown) => void;
  const group = new Promise<void>((_, reject) => (fail = reject));
  group.catch(() => {});
  const sink = { write: async () => {}, append: (record: AuditRecord) => (appended.push(record), group), failing: true, flush: async () => {} };
  return { sink, appended, fail };
}

test('a record its failed group got into the file counts as written; the others are kept by the fallback', async () => {
  const { sink, appended, fail } = failingGroupSink();
  const kept: AuditRecord[] = [];
  const recorded: string[] = [];
  const trail = apiAuditTrail(sink, {
    mode: 'timer',
    onError: () => {},
    fallback: async (records) => void kept.push(...records),
    onRecorded: (eventId) => recorded.push(eventId),
  });
  const answers = [trail.record(call('written')), trail.record(call('cut short'))];
  fail(new PartlyWrittenError(Object.assign(new Error('file too large'), { code: 'EFBIG' }), new Set([appended[0]!.eventID])));
  await Promise.all(answers);
  assert.deepEqual(kept.map((record) => record.requestID), ['cut short'], 'only the record not in the file is kept');
  assert.deepEqual(recorded, [appended[0]!.eventID, appended[1]!.eventID], 'both requests are answered: one written, one kept');
});

test('without a fallback, a record its failed group got into the file is written; the others fail their requests', async () => {
  const { sink, appended, fail } = failingGroupSink();
  const trail = apiAuditTrail(sink, { mode: 'timer', onError: () => {} });
  const [written, lost] = [trail.record(call('written')), trail.record(call('lost'))];
  const failure = new PartlyWrittenError(new Error('file too large'), new Set([appended[0]!.eventID]));
  fail(failure);
  await written;
  await assert.rejects(lost as Promise<void>, (error) => error === failure);
});

test('a record that cannot be made fails its request, reported, and leaves the group as it was', async () => {
  const { sink, appended } = failingGroupSink();
  const errors: unknown[] = [];
  const trail = apiAuditTrail(sink, { mode: 'timer', onError: (error) => errors.push(error), fallback: async () => {} });
  // A clock that gives no valid time: the record has no eventTime to show.
  const broken = { ...call('no time'), ctx: { clock: { now: () => new Date(NaN) } } };
  await assert.rejects(Promise.resolve().then(() => trail.record(broken)), RangeError);
  assert.equal(errors.length, 1);
  assert.equal(appended.length, 0);
});

test('over the file sink, a record whose line cannot be encoded fails its request, not kept by the fallback; its group is written', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kms-api-trail-'));
  try {
    const sinkErrors: unknown[] = [];
    const kept: AuditRecord[] = [];
    const trail = apiAuditTrail(new FileAuditSink(dataDir, { onError: (error) => sinkErrors.push(error) }), {
      mode: 'timer',
      onError: () => {},
      fallback: async (records) => void kept.push(...records),
    });
    // A value JSON cannot write (never from a request's JSON: a bug's stand-in).
    const unwritable = { ...call('unwritable'), input: { Limit: 10n } };
    const [before, broken, after] = [trail.record(call('before')), trail.record(unwritable), trail.record(call('after'))];
    await Promise.all([before, after]);
    await assert.rejects(broken as Promise<void>, (error) => error instanceof PartlyWrittenError && error.cause instanceof TypeError);
    assert.equal(kept.length, 0, 'the outbox could not deliver it either');
    assert.equal(sinkErrors.length, 1, 'reported');
    const [file] = readdirSync(join(dataDir, 'audit')).filter((name) => name.endsWith('.jsonl') && !name.startsWith('service'));
    const requestIds = readFileSync(join(dataDir, 'audit', file!), 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as AuditRecord).requestID);
    assert.deepEqual(requestIds, ['before', 'after']);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
