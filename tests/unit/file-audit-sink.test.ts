/** The local audit sink (shared/adapters/file-sinks.ts): a record is never marked delivered before it is written. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventLogPath, FileAuditSink, FileEventSink } from '../../shared/adapters/file-sinks.js';
import type { KmsEvent } from '../../shared/core/sinks.js';
import { PartlyWrittenError, unencodable, writtenDespite, type AuditLine } from '../../shared/audit/buffer.js';

const root = mkdtempSync(join(tmpdir(), 'kms-audit-sink-'));
after(() => rmSync(root, { recursive: true, force: true }));
/** A data directory of the test's own. */
const freshDataDir = () => mkdtempSync(join(root, 'data-'));
/** An API call's record (the fields the sink reads), of 2026-12-04 unless told. */
const apiRecord = (eventID: string, eventTime = '2026-12-04T10:00:00Z') => ({ eventID, eventTime, eventName: 'Encrypt', eventType: 'AwsApiCall' });
/** A record as the streaming sink takes it (the API's are ApiCallLines). */
const lineOf = (record: { eventID: string; eventTime: string }): AuditLine => ({ ...record, writeTo: (out) => out.text(JSON.stringify(record)) });
/** The JSON lines of a file that parse (a torn line does not), each mapped by `pick`. */
const readableLines = (path: string, pick: (item: Record<string, unknown>) => unknown) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        return [pick(JSON.parse(line) as Record<string, unknown>)];
      } catch {
        return [];
      }
    });

test('a job record whose write failed is written by the retry, not skipped as already delivered', async () => {
  const dataDir = freshDataDir();
  const sink = new FileAuditSink(dataDir);
  const record = { eventVersion: '1.08', eventID: 'rotate-key-1', eventTime: '2026-12-04T10:00:00Z', eventName: 'RotateKey', eventType: 'AwsServiceEvent' };
  // The day's file cannot be written (a directory in its place): the outbox keeps the entry.
  const dayFile = join(dataDir, 'audit', '2026-12-04.jsonl');
  mkdirSync(dayFile);
  await assert.rejects(sink.write([record]));
  rmSync(dayFile, { recursive: true });
  // The next delivery of the same record writes it.
  await sink.write([record]);
  await sink.write([record]); // and a duplicate delivery after that is dropped
  const lines = readFileSync(dayFile, 'utf8').trim().split('\n');
  assert.deepEqual(lines.map((line) => JSON.parse(line).eventID), ['rotate-key-1']);
});

test('append resolves once the record is in its file (the request is answered after that)', async () => {
  const dataDir = freshDataDir();
  const sink = new FileAuditSink(dataDir);
  const records = Array.from({ length: 50 }, (_, i) => ({ eventID: `e${i}`, eventTime: '2026-12-04T10:00:00Z', eventName: 'Encrypt', eventType: 'AwsApiCall' }));
  const written = records.map((record) => sink.append(lineOf(record)));
  await written[0];
  const first = readFileSync(join(dataDir, 'audit', '2026-12-04.jsonl'), 'utf8');
  assert.ok(first.includes('"e0"'), 'the first record is on disk when its promise resolves');
  await Promise.all(written);
  const all = readFileSync(join(dataDir, 'audit', '2026-12-04.jsonl'), 'utf8').trim().split('\n');
  assert.equal(all.length, 50);
});

test('a group commit that cannot be written is reported and rejects its records; the next group opens the file again', async () => {
  const dataDir = freshDataDir();
  const errors: unknown[] = [];
  const sink = new FileAuditSink(dataDir, { onError: (error) => errors.push(error) });
  const dayFile = join(dataDir, 'audit', '2026-12-04.jsonl');
  await sink.append(lineOf(apiRecord('first')));
  // The next day's file cannot be opened (a directory in its place).
  mkdirSync(join(dataDir, 'audit', '2026-12-05.jsonl'));
  // Both records of the group are refused: neither request may be acknowledged.
  const group = [sink.append(lineOf(apiRecord('lost', '2026-12-05T00:00:00Z'))), sink.append(lineOf(apiRecord('lost too', '2026-12-05T00:00:00Z')))];
  for (const refused of group) await assert.rejects(refused, { code: 'EISDIR' });
  assert.equal(errors.length, 1, 'the failed write is reported once');
  rmSync(join(dataDir, 'audit', '2026-12-05.jsonl'), { recursive: true });
  await sink.append(lineOf(apiRecord('second', '2026-12-05T00:00:01Z')));
  await sink.append(lineOf(apiRecord('third')));
  assert.deepEqual(readFileSync(dayFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line).eventID), ['first', 'third']);
  assert.deepEqual(readFileSync(join(dataDir, 'audit', '2026-12-05.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line).eventID), ['second']);
});

test('a day file removed while the service runs is made again by the next group, not written unseen', async () => {
  const dataDir = freshDataDir();
  const sink = new FileAuditSink(dataDir);
  const dayFile = join(dataDir, 'audit', '2026-12-04.jsonl');
  await sink.append(lineOf(apiRecord('before')));
  rmSync(dayFile); // the descriptor kept open now names an unlinked file
  await sink.append(lineOf(apiRecord('after')));
  assert.deepEqual(readFileSync(dayFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line).eventID), ['after']);
});

test('a line left without its end (a write that failed part of the way, maybe in another process) is ended before the next record', async () => {
  const dataDir = freshDataDir();
  const sink = new FileAuditSink(dataDir);
  const dayFile = join(dataDir, 'audit', '2026-12-04.jsonl');
  await sink.append(lineOf(apiRecord('before')));
  appendFileSync(dayFile, '{"eventID":"torn","eventTi');
  await sink.append(lineOf(apiRecord('after')));
  await sink.write([apiRecord('delivered')]);
  appendFileSync(dayFile, '{"eventID":"torn again');
  await sink.write([apiRecord('delivered after')]);
  assert.deepEqual(readableLines(dayFile, (record) => record.eventID), ['before', 'after', 'delivered', 'delivered after']);
});

test('a group commit a full disk stops midway names the records it got out whole; the others are refused', () => {
  const dataDir = freshDataDir();
  const dayFile = join(dataDir, 'audit', '2026-12-04.jsonl');
  mkdirSync(dirname(dayFile), { recursive: true });
  // The process may write files of 1 KiB at most (ulimit -f: as a full disk, the write stops short, then
  // fails with EFBIG). The day file leaves room for three records' lines of about 100 bytes and part of a fourth.
  writeFileSync(dayFile, `${'x'.repeat(700)}\n`);
  const sinkModule = new URL('../../shared/adapters/file-sinks.ts', import.meta.url).href;
  const script = `
    const { FileAuditSink } = await import(${JSON.stringify(sinkModule)});
    const sink = new FileAuditSink(${JSON.stringify(dataDir)}, { onError: () => {} });
    const record = (eventID) => ({ eventID, eventTime: '2026-12-04T10:00:00Z', eventName: 'Encrypt', eventType: 'AwsApiCall' });
    const lineOf = (record) => ({ ...record, writeTo: (out) => out.text(JSON.stringify(record)) });
    const results = await Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((id) => sink.append(lineOf(record(id)))));
    const reason = results[0].reason;
    console.log(JSON.stringify({ refused: results.filter((r) => r.status === 'rejected').length, code: reason?.cause?.code, written: [...(reason?.writtenEventIds ?? [])] }));
  `;
  const child = spawnSync('bash', ['-c', 'ulimit -f 1 && exec "$0" "$@"', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  const outcome = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { refused: number; code: string; written: string[] };
  // Every append's promise is refused (its group failed), the error naming what is in the file whole.
  assert.deepEqual(outcome, { refused: 5, code: 'EFBIG', written: ['a', 'b', 'c'] });
  assert.deepEqual(readableLines(dayFile, (record) => record.eventID), ['a', 'b', 'c']);
  const text = readFileSync(dayFile, 'utf8');
  assert.equal(text.length, 1024, 'the write stopped at the limit');
  assert.ok(text.slice(text.lastIndexOf('\n') + 1).startsWith('{"eventID":"d"'), 'the fourth line was cut short: d is not written');
});

test('a group written in parts that a full disk stops in a later part names the lines of the earlier parts as written too', () => {
  const dataDir = freshDataDir();
  const dayFile = join(dataDir, 'audit', '2026-12-04.jsonl');
  const sinkModule = new URL('../../shared/adapters/file-sinks.ts', import.meta.url).href;
  // 100 lines of about 4 KiB: more than one part (128 KiB each); the files may grow to 200 KiB (ulimit -f).
  const script = `
    const { FileAuditSink } = await import(${JSON.stringify(sinkModule)});
    const sink = new FileAuditSink(${JSON.stringify(dataDir)}, { onError: () => {} });
    const lineOf = (eventID) => {
      const record = { eventID, eventTime: '2026-12-04T10:00:00Z', eventType: 'AwsApiCall', padding: 'x'.repeat(4000) };
      return { ...record, writeTo: (out) => out.text(JSON.stringify(record)) };
    };
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => sink.append(lineOf('line-' + i))));
    console.log(JSON.stringify({ refused: results.filter((r) => r.status === 'rejected').length, written: [...(results[0].reason?.writtenEventIds ?? [])] }));
  `;
  const child = spawnSync('bash', ['-c', 'ulimit -f 200 && exec "$0" "$@"', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  const outcome = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { refused: number; written: string[] };
  const inFile = readableLines(dayFile, (record) => record.eventID) as string[];
  assert.equal(readFileSync(dayFile).length, 200 * 1024, 'the write stopped at the limit');
  // Parts of 128 KiB hold 33 of these lines: line-0 is in the first part, line-40 in the second.
  assert.ok(inFile.includes('line-0') && inFile.includes('line-40'), `lines of both parts are in the file (${inFile.length})`);
  assert.equal(outcome.refused, 100, 'the group is refused');
  assert.deepEqual(new Set(outcome.written), new Set(inFile), 'its error names exactly the lines in the file, those of the first part with them');
});

test('the event log, too, ends a line a failed write left without its end before the next event', async () => {
  const dataDir = freshDataDir();
  const sink = new FileEventSink(dataDir);
  const event = (id: string) => ({ version: '0', id, 'detail-type': 'KMS CMK Rotation', source: 'aws.kms', detail: {} }) as unknown as KmsEvent;
  await sink.publish([event('first')]);
  appendFileSync(eventLogPath(dataDir), '{"id":"torn","ver');
  await sink.publish([event('second')]);
  assert.deepEqual(readableLines(eventLogPath(dataDir), (event) => event.id), ['first', 'second']);
});

test('while group commits keep failing, the failure is reported when it starts, not for every group', async () => {
  const dataDir = freshDataDir();
  const errors: unknown[] = [];
  const sink = new FileAuditSink(dataDir, { onError: (error) => errors.push(error) });
  const dayFile = join(dataDir, 'audit', '2026-12-04.jsonl');
  mkdirSync(dayFile);
  for (let i = 0; i < 5; i++) await assert.rejects(sink.append(lineOf(apiRecord(`lost-${i}`))));
  assert.equal(errors.length, 1);
  rmSync(dayFile, { recursive: true });
  await sink.append(lineOf(apiRecord('written')));
  mkdirSync(join(dataDir, 'audit', '2026-12-05.jsonl'));
  await assert.rejects(sink.append(lineOf(apiRecord('lost again', '2026-12-05T00:00:00Z'))));
  assert.equal(errors.length, 2, 'a new failure after a write that worked is reported again');
});

test('a line whose encoding fails midway is refused and leaves nothing of itself in the group; the others are written', async () => {
  const dataDir = freshDataDir();
  const errors: unknown[] = [];
  const sink = new FileAuditSink(dataDir, { onError: (error) => errors.push(error) });
  const broken: AuditLine = {
    eventID: 'broken',
    eventTime: '2026-12-04T10:00:00Z',
    writeTo: (out) => {
      out.text('{"eventID":"broken","requestParameters":');
      throw new TypeError('not encodable');
    },
  };
  const lines = [lineOf(apiRecord('before')), broken, lineOf(apiRecord('after'))];
  const outcomes = await Promise.allSettled(lines.map((line) => sink.append(line)));
  // One group: its promise is refused, the error naming the lines in the file (their requests are answered).
  const reasons = outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.reason : undefined));
  assert.ok(reasons.every((reason) => reason instanceof PartlyWrittenError && reason.cause instanceof TypeError));
  assert.deepEqual(lines.map((line) => writtenDespite(reasons[0], line)), [true, false, true]);
  assert.deepEqual(lines.map((line) => unencodable(reasons[0], line)), [false, true, false]);
  assert.equal(readFileSync(join(dataDir, 'audit', '2026-12-04.jsonl'), 'utf8'), ['before', 'after'].map((id) => JSON.stringify(apiRecord(id)) + '\n').join(''));
  assert.deepEqual(errors, [reasons[0].cause], 'reported');
  assert.equal(sink.failing, false, 'the file is fine: the sink is not failing');
});

test('a group whose only line cannot be encoded writes nothing and refuses it', async () => {
  const dataDir = freshDataDir();
  const sink = new FileAuditSink(dataDir, { onError: () => {} });
  const broken: AuditLine = {
    eventID: 'broken',
    eventTime: '2026-12-04T10:00:00Z',
    writeTo: () => {
      throw new TypeError('not encodable');
    },
  };
  await assert.rejects(sink.append(broken), (error) => unencodable(error, broken) && (error as PartlyWrittenError).cause instanceof TypeError);
  await sink.append(lineOf(apiRecord('after')));
  assert.deepEqual(readableLines(join(dataDir, 'audit', '2026-12-04.jsonl'), (record) => record.eventID), ['after']);
});
