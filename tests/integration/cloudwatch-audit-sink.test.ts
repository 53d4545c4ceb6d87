/**
 * The audit sink of the deployed service (CloudWatch Logs), through the real SDK client against a
 * stand-in that speaks CloudWatch Logs' protocol: every record goes into the log group's one stream; the
 * stream is made only when a put finds it missing, once however many writes find it so at the same
 * time, and a stream another instance made meanwhile counts as made. Any other failure is the write's
 * (the API then keeps the records in its outbox: audit-unwritable.test.ts).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { AUDIT_LOG_STREAM, CloudWatchLogsAuditSink } from '../../shared/adapters/aws-sinks.js';
import type { AuditRecord } from '../../shared/core/sinks.js';

const GROUP = '/kms/test/audit';

/** CloudWatch Logs as far as the sink uses it: streams, the events put into them, and the calls made. */
const logs = {
  streams: new Map<string, string[]>(),
  calls: [] as string[],
  /** The next CreateLogStream answers that the stream exists (another instance made it just now). */
  madeElsewhere: false,
  /** Every PutLogEvents is throttled. */
  throttling: false,
};

let server: Server;
let endpoint: string;

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const action = String(req.headers['x-amz-target']).split('.').pop()!;
      const input = JSON.parse(body) as { logGroupName: string; logStreamName: string; logEvents?: Array<{ message: string }> };
      logs.calls.push(`${action} ${input.logStreamName}`);
      const answer = (status: number, value: unknown) => {
        res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(value));
      };
      const error = (type: string, message: string) => answer(400, { __type: type, message });
      if (input.logGroupName !== GROUP) return error('ResourceNotFoundException', 'The specified log group does not exist.');
      if (action === 'CreateLogStream') {
        if (logs.madeElsewhere) {
          logs.madeElsewhere = false;
          logs.streams.set(input.logStreamName, []);
        }
        if (logs.streams.has(input.logStreamName)) return error('ResourceAlreadyExistsException', 'The specified log stream already exists');
        logs.streams.set(input.logStreamName, []);
        return answer(200, {});
      }
      if (logs.throttling) return error('ThrottlingException', 'Rate exceeded');
      const stream = logs.streams.get(input.logStreamName);
      if (!stream) return error('ResourceNotFoundException', 'The specified log stream does not exist.');
      for (const event of input.logEvents!) stream.push((JSON.parse(event.message) as AuditRecord).eventID);
      answer(200, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  logs.streams.clear();
  logs.calls = [];
  logs.madeElsewhere = false;
  logs.throttling = false;
});

/** A sink of its own (as each Lambda instance has), its client without retries so a failure shows at once. */
function sink(group = GROUP) {
  const client = new CloudWatchLogsClient({ region: 'us-east-1', endpoint, maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  return new CloudWatchLogsAuditSink('us-east-1', group, client);
}

let counter = 0;
const record = (): AuditRecord => ({ eventID: `event-${++counter}`, eventTime: new Date().toISOString().slice(0, 19) + 'Z', eventName: 'Encrypt' });

describe('the CloudWatch Logs audit sink', () => {
  it('puts records into the one stream without making it when it exists', async () => {
    logs.streams.set(AUDIT_LOG_STREAM, []);
    const [first, second] = [record(), record()];
    await sink().write([first]);
    await sink().write([second]); // another instance: the same stream
    assert.deepEqual(logs.streams.get(AUDIT_LOG_STREAM), [first.eventID, second.eventID]);
    assert.deepEqual(logs.calls, [`PutLogEvents ${AUDIT_LOG_STREAM}`, `PutLogEvents ${AUDIT_LOG_STREAM}`]);
  });

  it('makes the stream when a put finds it missing: once for writes that find it so together, then puts again', async () => {
    const instance = sink();
    const records = [record(), record(), record()];
    await Promise.all(records.map((r) => instance.write([r])));
    assert.deepEqual(new Set(logs.streams.get(AUDIT_LOG_STREAM)), new Set(records.map((r) => r.eventID)));
    assert.equal(logs.calls.filter((call) => call.startsWith('CreateLogStream')).length, 1, logs.calls.join(', '));

    // Deleted later: the next write makes it again.
    logs.streams.clear();
    const later = record();
    await instance.write([later]);
    assert.deepEqual(logs.streams.get(AUDIT_LOG_STREAM), [later.eventID]);
    assert.equal(logs.calls.filter((call) => call.startsWith('CreateLogStream')).length, 2, logs.calls.join(', '));
  });

  it('a stream another instance made meanwhile counts as made', async () => {
    logs.madeElsewhere = true;
    const r = record();
    await sink().write([r]);
    assert.deepEqual(logs.streams.get(AUDIT_LOG_STREAM), [r.eventID]);
    assert.deepEqual(logs.calls, [`PutLogEvents ${AUDIT_LOG_STREAM}`, `CreateLogStream ${AUDIT_LOG_STREAM}`, `PutLogEvents ${AUDIT_LOG_STREAM}`]);
  });

  it('any other failure fails the write and makes no stream: throttling, or a missing log group', async () => {
    logs.streams.set(AUDIT_LOG_STREAM, []);
    logs.throttling = true;
    await assert.rejects(sink().write([record()]), { name: 'ThrottlingException' });
    assert.deepEqual(logs.calls, [`PutLogEvents ${AUDIT_LOG_STREAM}`]);

    logs.throttling = false;
    logs.calls = [];
    await assert.rejects(sink('/kms/missing/audit').write([record()]), { name: 'ResourceNotFoundException' });
    assert.deepEqual(logs.calls, [`PutLogEvents ${AUDIT_LOG_STREAM}`, `CreateLogStream ${AUDIT_LOG_STREAM}`], 'tried to make the stream once, then gave up');
    assert.deepEqual(logs.streams.get(AUDIT_LOG_STREAM), [], 'nothing was put');
  });
});
