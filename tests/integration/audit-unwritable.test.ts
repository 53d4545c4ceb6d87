/**
 * A request is acknowledged only once its audit record is durable. A record the audit sink cannot take
 * (the local day file, CloudWatch Logs in Lambda) goes to the region's outbox, and the request is
 * answered as usual; once the sink takes records again, the kept ones are handed back to it (and the
 * jobs deliver whatever is left). When the outbox cannot
 * take it either, the caller gets KMSInternalException, not a success whose record is lost; an error
 * answer stays what it was. While neither can be written, a request that would change something is
 * refused before it runs (so an SDK's retries do not repeat an unrecorded change), until a record is
 * written again. The API handler is driven as Lambda and the local runtime drive it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createApiHandler, type ApiHandler, type ApiHandlerOptions } from '../../functions/api/app.js';
import { fileSinks } from '../../shared/adapters/file-sinks.js';
import { loadConfig } from '../../shared/config.js';
import type { AuditRecord, AuditSink } from '../../shared/core/sinks.js';
import { createServices } from '../../shared/services.js';
import { ACCOUNT, createKey } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-audit-unwritable-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The test service's table, callers taken from API Gateway's IAM authorizer (no signing needed here). */
function config(dataDir: string) {
  return loadConfig({
    KMS_TABLE_NAME: process.env.KMS_TABLE_NAME,
    KMS_DYNAMODB_ENDPOINT: process.env.KMS_DYNAMODB_ENDPOINT,
    KMS_ROOT_KEY_FILE: join(process.env.KMS_DATA_DIR ?? '', 'root-key'),
    KMS_DATA_DIR: dataDir,
    KMS_AUTH_MODE: 'iam',
  });
}

/** A KMS request as API Gateway hands it over, from `account`'s root. */
function kmsEvent(operation: string, input: object, requestId: string, account = ACCOUNT): APIGatewayProxyEvent {
  return {
    httpMethod: 'POST',
    path: '/',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': `TrentService.${operation}` },
    body: JSON.stringify(input),
    isBase64Encoded: false,
    requestContext: { requestId, identity: { accountId: account, sourceIp: '127.0.0.1' } },
  } as unknown as APIGatewayProxyEvent;
}

/** A CloudWatch Logs stand-in: fails with `message` while `failing`, and keeps what it takes. */
function failingLog(message: string) {
  const written: AuditRecord[] = [];
  const audit: AuditSink & { failing: boolean } = {
    failing: true,
    write: async (records) => {
      if (audit.failing) throw new Error(message);
      written.push(...records);
    },
  };
  return { audit, written };
}

/** The API handler as Lambda runs it, its audit records put into `audit`, its data dir `name`. */
function lambdaApi(name: string, audit: AuditSink, options: ApiHandlerOptions = {}) {
  const cfg = config(join(dir, name));
  const services = createServices(cfg, { sinks: { ...fileSinks(join(dir, name)), audit } });
  return { cfg, services, handler: createApiHandler(cfg, services, { flush: 'invocation', ...options }) };
}

/** The outbox fails too: nothing can keep a record the sink refused. */
const noOutbox = { auditFallback: async () => Promise.reject(new Error('the outbox is unavailable')) };

const encryptEvent = (keyId: string, requestId: string) => kmsEvent('Encrypt', { KeyId: keyId, Plaintext: Buffer.from('audited').toString('base64') }, requestId);
const context = { awsRequestId: 'lambda-request', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const errorType = (body: string) => (JSON.parse(body) as { __type: string }).__type;

/** What `run` publishes as EMF metric documents on stdout (Powertools Metrics, as in Lambda), and its result. */
async function withMetrics<T>(run: () => Promise<T>): Promise<{ result: T; metrics: Array<Record<string, unknown>> }> {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = String(chunk);
    if (text.includes('"CloudWatchMetrics"')) lines.push(...text.split('\n').filter(Boolean));
    else return (write as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
    return true;
  }) as typeof process.stdout.write;
  try {
    const result = await run();
    return { result, metrics: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
  } finally {
    process.stdout.write = write;
  }
}

function assertInternalError(response: APIGatewayProxyResult) {
  assert.equal(response.statusCode, 500, response.body);
  assert.equal(errorType(response.body), 'KMSInternalException');
}

/**
 * In an account of its own (so that its keys can be counted): a CreateKey whose record fails is carried
 * out and answered 500; the next ones are refused before they run, and the first one after the trail is
 * back (its record is what tells) too; then CreateKey works again. Two keys in all.
 */
async function createKeysAcrossAnOutage(handler: ApiHandler, account: string, failing: (on: boolean) => void) {
  const createKey = (requestId: string) => handler(kmsEvent('CreateKey', { Description: 'audit outage' }, requestId, account), context);
  failing(true);
  assertInternalError(await createKey('carried-out'));
  assertInternalError(await createKey('refused-1'));
  assertInternalError(await createKey('refused-2'));
  // A request that changes nothing still runs (and is still not acknowledged).
  assertInternalError(await handler(kmsEvent('ListKeys', {}, 'listed', account), context));
  failing(false);
  assertInternalError(await createKey('refused-while-unknown'));
  const created = await createKey('created');
  assert.equal(created.statusCode, 200, created.body);
  const listed = await handler(kmsEvent('ListKeys', {}, 'counted', account), context);
  assert.equal(listed.statusCode, 200, listed.body);
  assert.equal((JSON.parse(listed.body) as { Keys: unknown[] }).Keys.length, 2, 'the first CreateKey and the last one made a key');
}

/** Waits until `done` says so (the redelivery after a recovery runs in the background), at most 5 s. */
async function eventually(done: () => Promise<boolean>) {
  for (let i = 0; i < 100; i++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('not within 5 s');
}

/** The outbox entries of the audit records of these requests (by request id) in the home region's outbox. */
async function keptRecords(services: ReturnType<typeof createServices>, region: string, requestIds: string[]) {
  const entries = await services.jobContext(region, new Date()).jobStore.listOutbox(100_000);
  return entries.filter((entry) => entry.kind === 'audit' && requestIds.includes(String(entry.body.requestID)));
}

/** The outbox entry of an audit record, if it is in the home region's outbox. */
async function outboxEntryOf(services: ReturnType<typeof createServices>, region: string, eventId: string) {
  const entries = await services.jobContext(region, new Date()).jobStore.listOutbox(100_000);
  return entries.find((entry) => entry.id === `audit#${eventId}`);
}

describe('a record the audit sink cannot take is kept in the outbox, and its request answered', () => {
  it('in Lambda: CloudWatch Logs failing, the record goes to the outbox; once the log takes records again, it gets the kept ones', async () => {
    const keyId = (await createKey({ Description: 'audit kept in the outbox, lambda' })).KeyId!;
    const { audit, written } = failingLog('CloudWatch Logs is throttling');
    const { cfg, services, handler } = lambdaApi('lambda-kept', audit);

    const { result: answered, metrics } = await withMetrics(() => handler(encryptEvent(keyId, 'kept'), context));
    assert.equal(answered.statusCode, 200, answered.body);
    assert.equal(written.length, 0);
    assert.ok(metrics.some((m) => m.AuditWriteError === 1 && m.InternalError === undefined), JSON.stringify(metrics));
    const used = services.keyUsage.known(cfg.defaultRegion, keyId);
    assert.equal(used?.requestId, 'kept', 'a kept record is a written one');
    const entry = await outboxEntryOf(services, cfg.defaultRegion, used!.eventId);
    assert.ok(entry, 'the record is in the outbox');
    assert.equal((entry.body as unknown as AuditRecord).requestID, 'kept');

    // Still failing, a request that changes something runs: its record is kept too.
    const created = await handler(kmsEvent('CreateKey', { Description: 'while the log fails' }, 'lambda-created-meanwhile'), context);
    assert.equal(created.statusCode, 200, created.body);
    assert.equal((await keptRecords(services, cfg.defaultRegion, ['kept', 'lambda-created-meanwhile'])).length, 2);

    audit.failing = false;
    // The first invocation the log takes again hands the kept records back to it, out of the outbox.
    const after = await handler(encryptEvent(keyId, 'after'), context);
    assert.equal(after.statusCode, 200, after.body);
    await eventually(async () => (await keptRecords(services, cfg.defaultRegion, ['kept', 'lambda-created-meanwhile'])).length === 0);
    assert.deepEqual(written.map((record) => record.requestID).sort(), ['after', 'kept', 'lambda-created-meanwhile']);
    assert.ok(written.some((record) => record.eventID === used!.eventId));
  });

  it('locally: the day file unwritable, the records go to the outbox; once it is writable again, it gets the kept ones', async () => {
    const keyId = (await createKey({ Description: 'audit kept in the outbox, local' })).KeyId!;
    const dataDir = join(dir, 'local-kept');
    const cfg = config(dataDir);
    const services = createServices(cfg, { sinks: fileSinks(dataDir) });
    const handler = createApiHandler(cfg, services, { flush: 'timer', timeoutEarly: false });
    const day = (offset: number) => new Date(Date.now() + offset).toISOString().slice(0, 10);
    const blocked = [day(0), day(86_400_000)].map((name) => join(dataDir, 'audit', `${name}.jsonl`));
    for (const path of blocked) mkdirSync(path, { recursive: true });

    const answered = await Promise.all([1, 2, 3].map((i) => handler(encryptEvent(keyId, `kept-${i}`), context)));
    for (const response of answered) assert.equal(response.statusCode, 200, response.body);
    // A change is not refused while its record can be kept.
    const created = await handler(kmsEvent('CreateKey', { Description: 'while the file fails' }, 'local-created-meanwhile'), context);
    assert.equal(created.statusCode, 200, created.body);
    const entries = await keptRecords(services, cfg.defaultRegion, ['kept-1', 'kept-2', 'kept-3', 'local-created-meanwhile']);
    assert.equal(entries.length, 4, 'every record is in the outbox');

    for (const path of blocked) rmSync(path, { recursive: true });
    // The first record the file takes again hands the kept ones back to it, out of the outbox.
    const after = await handler(encryptEvent(keyId, 'local-after'), context);
    assert.equal(after.statusCode, 200, after.body);
    await eventually(async () => (await keptRecords(services, cfg.defaultRegion, ['kept-1', 'kept-2', 'kept-3', 'local-created-meanwhile'])).length === 0);
    const ids = blocked
      .filter((path) => existsSync(path))
      .flatMap((path) => readFileSync(path, 'utf8').trim().split('\n'))
      .map((line) => (JSON.parse(line) as AuditRecord).requestID)
      .sort();
    assert.deepEqual(ids, ['kept-1', 'kept-2', 'kept-3', 'local-after', 'local-created-meanwhile']);
  });
});

describe('a request whose audit record cannot be written is not acknowledged', () => {
  it('in Lambda: the invocation answers KMSInternalException when its records can be put neither in the log nor the outbox', async () => {
    const keyId = (await createKey({ Description: 'audit unwritable, lambda' })).KeyId!;
    const { audit, written } = failingLog('CloudWatch Logs is unavailable');
    const { cfg, services, handler } = lambdaApi('lambda', audit, noOutbox);

    const { result: refused, metrics } = await withMetrics(() => handler(encryptEvent(keyId, 'unwritten'), context));
    assertInternalError(refused);
    assert.equal(refused.headers?.['x-amzn-RequestId'], 'unwritten');
    assert.ok(!refused.body.includes('CloudWatch'), 'the cause stays in the logs');
    assert.equal(written.length, 0);
    // Counted as what it was answered, in this invocation's metrics: an error of Encrypt and an internal error.
    const encrypt = metrics.find((m) => m.Operation === 'Encrypt');
    assert.deepEqual([encrypt?.Requests, encrypt?.Errors], [1, 1]);
    assert.ok(metrics.some((m) => m.InternalError === 1 && m.AuditWriteError === 2), JSON.stringify(metrics)); // the log's and the outbox's
    // GetKeyLastUsage never names a record that was not written.
    assert.equal(services.keyUsage.known(cfg.defaultRegion, keyId), undefined);
    // An error answer acknowledges nothing: it stays what it was.
    const missing = await handler(encryptEvent('00000000-0000-4000-8000-000000000000', 'unwritten-error'), context);
    assert.equal(missing.statusCode, 400, missing.body);
    assert.equal(errorType(missing.body), 'NotFoundException');

    audit.failing = false;
    const answered = await handler(encryptEvent(keyId, 'written'), context);
    assert.equal(answered.statusCode, 200, answered.body);
    assert.deepEqual(
      written.map((record) => record.requestID),
      ['written'],
      'the next invocation writes its own record (the failed one is not retried into a later batch)',
    );
    assert.equal(services.keyUsage.known(cfg.defaultRegion, keyId)?.eventId, written[0]!.eventID);
  });

  it('in Lambda: while the records can be put neither in the log nor the outbox, a request that would change something does not run', async () => {
    const { audit } = failingLog('CloudWatch Logs is unavailable');
    const { handler } = lambdaApi('lambda-outage', audit, noOutbox);
    await createKeysAcrossAnOutage(handler, '444455556661', (on) => (audit.failing = on));
  });

  it('locally: the requests of a group commit that can be written neither to the file nor the outbox answer KMSInternalException', async () => {
    const keyId = (await createKey({ Description: 'audit unwritable, local' })).KeyId!;
    const dataDir = join(dir, 'local');
    const cfg = config(dataDir);
    const services = createServices(cfg, { sinks: fileSinks(dataDir) });
    const handler = createApiHandler(cfg, services, { flush: 'timer', timeoutEarly: false, ...noOutbox });
    // The day files cannot be opened (a directory in their place), today's and tomorrow's (a run at midnight).
    const day = (offset: number) => new Date(Date.now() + offset).toISOString().slice(0, 10);
    const blocked = [day(0), day(86_400_000)].map((name) => join(dataDir, 'audit', `${name}.jsonl`));
    for (const path of blocked) mkdirSync(path, { recursive: true });

    const refused = await Promise.all([1, 2, 3].map((i) => handler(encryptEvent(keyId, `unwritten-${i}`), context)));
    for (const response of refused) assertInternalError(response);
    assert.equal(services.keyUsage.known(cfg.defaultRegion, keyId), undefined, 'GetKeyLastUsage never names a record that was not written');
    const missing = await handler(encryptEvent('00000000-0000-4000-8000-000000000000', 'unwritten-error'), context);
    assert.equal(missing.statusCode, 400, missing.body);
    assert.equal(errorType(missing.body), 'NotFoundException');

    for (const path of blocked) rmSync(path, { recursive: true });
    const answered = await handler(encryptEvent(keyId, 'written'), context);
    assert.equal(answered.statusCode, 200, answered.body);
    const ids = blocked
      .filter((path) => existsSync(path))
      .flatMap((path) => readFileSync(path, 'utf8').trim().split('\n'))
      .map((line) => (JSON.parse(line) as AuditRecord).requestID);
    assert.deepEqual(ids, ['written']);
    assert.equal(services.keyUsage.known(cfg.defaultRegion, keyId)?.requestId, 'written');
  });

  it('locally: while neither the day file nor the outbox can be written, a request that would change something does not run', async () => {
    const dataDir = join(dir, 'local-outage');
    const cfg = config(dataDir);
    const handler = createApiHandler(cfg, createServices(cfg, { sinks: fileSinks(dataDir) }), { flush: 'timer', timeoutEarly: false, ...noOutbox });
    const day = (offset: number) => new Date(Date.now() + offset).toISOString().slice(0, 10);
    const blocked = [day(0), day(86_400_000)].map((name) => join(dataDir, 'audit', `${name}.jsonl`));
    await createKeysAcrossAnOutage(handler, '444455556662', (on) => {
      for (const path of blocked) {
        if (on) mkdirSync(path, { recursive: true });
        else rmSync(path, { recursive: true, force: true });
      }
    });
  });
});
