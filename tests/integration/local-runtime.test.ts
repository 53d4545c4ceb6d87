/**
 * The local runtime itself: DynamoDB Local launcher, per-region tables, root key file, and the API
 * Gateway emulator in front of the real handler. Starts its own service (own temp data dir, free
 * ports) because it restarts it and looks at its files; needs no KMS_ENDPOINT.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { KMS } from '@aws-sdk/client-kms';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startLocalService, type LocalService } from '../../infra/local/service.js';
import { createApiGatewayServer, type ApiGatewayOptions } from '../../infra/local/api-gateway.js';
import { wrapKeyMaterial } from '../support/wrap-key-material.js';
import { header } from '../../shared/protocol/request-headers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TABLE = 'kms';

interface SignOptions {
  region?: string;
  target?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  signingDate?: Date;
}

/** Headers of a request to `endpoint` with `body`, SigV4-signed as the SDK signs (default: test/test, the local root). */
async function signedHeaders(endpoint: string, body: string | Uint8Array, options: SignOptions = {}): Promise<Record<string, string>> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    service: 'kms',
    region: options.region ?? 'us-east-1',
    credentials: {
      accessKeyId: options.accessKeyId ?? 'test',
      secretAccessKey: options.secretAccessKey ?? 'test',
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
    },
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      query: {},
      headers: { host: url.host, 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': options.target ?? 'TrentService.GenerateRandom' },
      body,
    },
    { signingDate: options.signingDate },
  );
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers.host; // fetch and node:http set it (to the same value)
  return headers;
}

async function post(endpoint: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string>) {
  const response = await fetch(endpoint, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

function kmsClient(endpoint: string, region = 'us-east-1') {
  return new KMS({ endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
}

async function tableExists(dynamodbEndpoint: string, region: string): Promise<boolean> {
  // The store's credentials: DynamoDB Local keeps a database per access key id and region.
  const client = new DynamoDBClient({ endpoint: dynamodbEndpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await client.send(new DescribeTableCommand({ TableName: TABLE }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return false;
    throw error;
  } finally {
    client.destroy();
  }
}

describe('local service (DynamoDB Local + emulator + real handler)', { timeout: 180_000 }, () => {
  let dataDir: string;
  let service: LocalService | undefined;
  const env = { KMS_TABLE_NAME: TABLE, AWS_REGION: 'us-east-1', LOG_LEVEL: 'WARN' }; // no root key: one is generated

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kms-runtime-test-'));
    service = await startLocalService({ port: 0, dynamodbPort: 0, dataDir, env });
  });
  after(async () => {
    await service?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('generates the root key file once, mode 0600', async () => {
    const info = await stat(join(dataDir, 'root-key'));
    assert.equal(info.mode & 0o777, 0o600);
    assert.equal(info.size, 44, 'base64 text of 32 bytes');
  });

  it('refuses an unsigned request with MissingAuthenticationTokenException', async () => {
    const { status, json, headers } = await post(service!.endpoint, '{}', { 'X-Amz-Target': 'TrentService.GenerateRandom' });
    assert.equal(status, 400);
    assert.deepEqual(json, { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    assert.equal(headers.get('content-type'), 'application/x-amz-json-1.1');
  });

  it('refuses a malformed Authorization header with IncompleteSignatureException', async () => {
    const headers = { ...(await signedHeaders(service!.endpoint, '{}')), authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/kms/aws4_request' };
    const { status, json } = await post(service!.endpoint, '{}', headers);
    assert.equal(status, 400);
    assert.equal(json?.__type, 'IncompleteSignatureException');
    assert.match(String(json?.message), /requires 'Signature' parameter/);
  });

  it('verifies signatures against the default credentials file (test/test is the root of 111122223333)', async () => {
    const wrong = await post(service!.endpoint, '{}', await signedHeaders(service!.endpoint, '{}', { secretAccessKey: 'nottest' }));
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json?.__type, 'InvalidSignatureException');
    const unknown = await post(service!.endpoint, '{}', await signedHeaders(service!.endpoint, '{}', { accessKeyId: 'AKIANOBODY' }));
    assert.deepEqual(unknown.json, { __type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
    const tampered = await post(service!.endpoint, '{"NumberOfBytes":8}', await signedHeaders(service!.endpoint, '{"NumberOfBytes":9}'));
    assert.equal(tampered.json?.__type, 'InvalidSignatureException');
  });

  it('answers an unknown X-Amz-Target with UnknownOperationException', async () => {
    const { status, json } = await post(service!.endpoint, '{}', await signedHeaders(service!.endpoint, '{}', { target: 'TrentService.NoSuchOperation' }));
    assert.equal(status, 400);
    assert.equal(json?.__type, 'UnknownOperationException');
  });

  it('answers malformed JSON with SerializationException', async () => {
    const body = '{"NumberOfBytes": ';
    const { status, json } = await post(service!.endpoint, body, await signedHeaders(service!.endpoint, body));
    assert.equal(status, 400);
    assert.equal(json?.__type, 'SerializationException');
  });

  it('refuses a body over 1 MiB and keeps serving', async () => {
    const body = new Uint8Array(1024 * 1024 + 1).fill(0x20);
    const { status, json } = await post(service!.endpoint, body, await signedHeaders(service!.endpoint, body));
    assert.equal(status, 413);
    assert.equal(json?.__type, 'RequestEntityTooLargeException');
    const random = await kmsClient(service!.endpoint).generateRandom({ NumberOfBytes: 16 });
    assert.equal(random.Plaintext?.length, 16);
  });

  it('creates the table of a region on its first request; keys stay in their region', async () => {
    const region = 'eu-west-1';
    assert.equal(await tableExists(service!.dynamodbEndpoint, region), false, 'no eu-west-1 table before any request');
    const created = await kmsClient(service!.endpoint, region).createKey({ Description: 'eu only' });
    const keyId = created.KeyMetadata!.KeyId!;
    assert.match(created.KeyMetadata!.Arn!, /^arn:aws:kms:eu-west-1:111122223333:key\//);
    assert.equal(await tableExists(service!.dynamodbEndpoint, region), true);
    await assert.rejects(kmsClient(service!.endpoint, 'us-east-1').describeKey({ KeyId: keyId }), { name: 'NotFoundException' });
  });

  it('creates the eager regions at start', async () => {
    assert.equal(await tableExists(service!.dynamodbEndpoint, 'us-east-1'), true);
    assert.equal(await tableExists(service!.dynamodbEndpoint, 'us-west-2'), true);
  });

  it('keeps keys, and the root key that wraps them, across a restart', async () => {
    const kms = kmsClient(service!.endpoint);
    const keyId = (await kms.createKey({ Description: 'survives restarts' })).KeyMetadata!.KeyId!;
    const { CiphertextBlob } = await kms.encrypt({ KeyId: keyId, Plaintext: Buffer.from('hello') });
    const rootKeyBefore = await stat(join(dataDir, 'root-key'));

    await service!.stop();
    service = undefined;
    service = await startLocalService({ port: 0, dynamodbPort: 0, dataDir, env });

    const again = kmsClient(service.endpoint);
    const described = await again.describeKey({ KeyId: keyId });
    assert.equal(described.KeyMetadata?.Description, 'survives restarts');
    const decrypted = await again.decrypt({ CiphertextBlob });
    assert.equal(Buffer.from(decrypted.Plaintext!).toString(), 'hello');
    assert.equal((await stat(join(dataDir, 'root-key'))).mtimeMs, rootKeyBefore.mtimeMs, 'root key file not rewritten');
  });
});

describe('local scheduler and admin route', { timeout: 120_000 }, () => {
  let dataDir: string;
  let service: LocalService | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kms-scheduler-test-'));
    // Jobs every 300 ms against the real clock, as `npm start` runs them every minute.
    service = await startLocalService({ port: 0, dynamodbPort: 0, dataDir, env: { KMS_TABLE_NAME: TABLE, LOG_LEVEL: 'WARN' }, jobIntervalMs: 300 });
  });
  after(async () => {
    await service?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs the jobs on its own: imported material expires at ValidTo with no one asking', async () => {
    const kms = kmsClient(service!.endpoint);
    const keyId = (await kms.createKey({ Origin: 'EXTERNAL' })).KeyMetadata!.KeyId!;
    const params = await kms.getParametersForImport({ KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const material = randomBytes(32);
    const validTo = new Date(Date.now() + 2_000);
    await kms.importKeyMaterial({
      KeyId: keyId,
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: wrapKeyMaterial(params.PublicKey!, 'RSAES_OAEP_SHA_256', material),
      ExpirationModel: 'KEY_MATERIAL_EXPIRES',
      ValidTo: validTo,
    });
    assert.equal((await kms.describeKey({ KeyId: keyId })).KeyMetadata!.KeyState, 'Enabled');
    let state: string | undefined;
    for (let i = 0; i < 100 && state !== 'PendingImport'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await kms.describeKey({ KeyId: keyId })).KeyMetadata!.KeyState;
    }
    assert.equal(state, 'PendingImport', 'the scheduler expired the material');
    assert.ok(Date.now() >= validTo.getTime(), 'not before ValidTo');
    // The event is delivered from the outbox just after the state change is committed.
    const expirations = async () =>
      (await readFile(join(dataDir, 'events.jsonl'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
        .filter((e) => e['detail-type'] === 'KMS Imported Key Material Expiration' && e.detail['key-id'] === keyId);
    for (let i = 0; i < 50 && (await expirations()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal((await expirations()).length, 1);
  });

  it('GET /!admin/stats counts the caches\' store reads and the DynamoDB reads', async () => {
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    const stats = async () => {
      const response = await fetch(`${service!.endpoint}/!admin/stats`, { headers: { 'x-kms-admin-token': token } });
      assert.equal(response.status, 200);
      return (await response.json()) as { cacheReads: { miss: number; refresh: number }; dynamodbReads: number };
    };
    const before = await stats();
    const kms = kmsClient(service!.endpoint);
    // A key that does not exist is not cached: each DescribeKey waits on a store read.
    for (let i = 0; i < 3; i++) await assert.rejects(kms.describeKey({ KeyId: '00000000-0000-4000-8000-000000000000' }), { name: 'NotFoundException' });
    const after = await stats();
    assert.ok(after.cacheReads.miss >= before.cacheReads.miss + 3, `${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    assert.ok(after.dynamodbReads >= before.dynamodbReads + 3);
    assert.equal((await fetch(`${service!.endpoint}/!admin/stats`)).status, 403);
  });

  it('the admin route wants the token of the data directory', async () => {
    const url = `${service!.endpoint}/!admin/jobs/rotation`;
    assert.equal((await fetch(url, { method: 'POST', body: '{}' })).status, 403);
    assert.equal((await fetch(url, { method: 'POST', body: '{}', headers: { 'x-kms-admin-token': 'wrong' } })).status, 403);
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    assert.equal((await stat(join(dataDir, 'admin-token'))).mode & 0o777, 0o600);
    const ok = await fetch(url, { method: 'POST', body: JSON.stringify({ region: 'us-east-1' }), headers: { 'x-kms-admin-token': token } });
    assert.equal(ok.status, 200);
    const { reports } = (await ok.json()) as { reports: { job: string; region: string }[] };
    assert.deepEqual(reports.map((r) => [r.job, r.region]), [['rotation', 'us-east-1']]);
    const bad = await fetch(`${service!.endpoint}/!admin/jobs/nope`, { method: 'POST', body: '{}', headers: { 'x-kms-admin-token': token } });
    assert.equal(bad.status, 404);
    const badNow = await fetch(url, { method: 'POST', body: '{"now":"yesterday"}', headers: { 'x-kms-admin-token': token } });
    assert.equal(badNow.status, 400);
    // A region never used: nothing to do, and no table is made for it.
    const unused = await fetch(url, { method: 'POST', body: JSON.stringify({ region: 'af-south-1' }), headers: { 'x-kms-admin-token': token } });
    assert.equal(unused.status, 404);
    assert.match(((await unused.json()) as { message: string }).message, /af-south-1 has no keys/);
    assert.equal(await tableExists(service!.dynamodbEndpoint, 'af-south-1'), false);
  });

  it('reset empties every region\'s keys without a restart; credentials and the root key stay', async () => {
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    const rootKey = await readFile(join(dataDir, 'root-key'), 'utf8');
    const [east, west] = [kmsClient(service!.endpoint), kmsClient(service!.endpoint, 'us-west-2')];
    const keyId = (await east.createKey({ Description: 'before the reset' })).KeyMetadata!.KeyId!;
    await east.createAlias({ AliasName: 'alias/before-reset', TargetKeyId: keyId });
    await east.encrypt({ KeyId: keyId, Plaintext: Buffer.from('cached') }); // the key is in the caches now
    await west.createKey({ Description: 'before the reset, west' });
    assert.equal((await fetch(`${service!.endpoint}/!admin/reset`, { method: 'POST' })).status, 403, 'the token is needed');

    const answer = await fetch(`${service!.endpoint}/!admin/reset`, { method: 'POST', headers: { 'x-kms-admin-token': token } });
    assert.equal(answer.status, 200);
    const { deleted } = (await answer.json()) as { deleted: Record<string, number> };
    assert.ok((deleted['us-east-1'] ?? 0) > 0 && (deleted['us-west-2'] ?? 0) > 0, JSON.stringify(deleted));
    assert.deepEqual((await east.listKeys({})).Keys, []);
    assert.deepEqual((await west.listKeys({})).Keys, []);
    await assert.rejects(east.describeKey({ KeyId: keyId }), { name: 'NotFoundException' });
    await assert.rejects(east.encrypt({ KeyId: keyId, Plaintext: Buffer.from('x') }), { name: 'NotFoundException' });
    assert.deepEqual((await east.listAliases({})).Aliases?.filter((a) => !a.AliasName!.startsWith('alias/aws/')), []);
    // The same credentials still sign, the same root key still wraps: the service carries on.
    const after = (await east.createKey({})).KeyMetadata!.KeyId!;
    await east.encrypt({ KeyId: after, Plaintext: Buffer.from('after') });
    assert.equal(await readFile(join(dataDir, 'root-key'), 'utf8'), rootKey);
  });
});

describe('API Gateway emulator', () => {
  let server: Server;
  let endpoint: string;
  let staged: Server;
  let stagedEndpoint: string;
  let seen: { event: APIGatewayProxyEvent; context: Context } | undefined;
  let behaviour: 'ok' | 'throw' | 'hang' | 'invalid' = 'ok';

  const handler: ApiGatewayOptions['handler'] = async (event, context) => {
    seen = { event, context };
    if (behaviour === 'throw') throw new Error('boom');
    if (behaviour === 'hang') return new Promise(() => {});
    if (behaviour === 'invalid') return { body: 'no status' } as never;
    return { statusCode: 200, headers: { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': event.requestContext.requestId }, body: '{"ok":true}' };
  };
  const listen = async (options: ApiGatewayOptions): Promise<[Server, string]> => {
    const created = createApiGatewayServer(options);
    await new Promise<void>((r) => created.listen(0, '127.0.0.1', () => r()));
    return [created, `http://127.0.0.1:${(created.address() as AddressInfo).port}`];
  };

  before(async () => {
    [server, endpoint] = await listen({ timeoutMs: 300, handler, logger: { error: () => {} }, region: 'ap-southeast-2' });
    // Served the deployed way: under a stage path, as on https://<api>.execute-api.<region>.amazonaws.com/dev
    [staged, stagedEndpoint] = await listen({ handler, basePath: '/dev', logger: { error: () => {} }, admin: (_req, res) => res.end('admin') });
  });
  after(async () => {
    for (const s of [server, staged]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  /** POSTs `body` signed with `options` (default: the root, us-east-1). */
  const call = async (body: string, options: SignOptions = {}, extra: Record<string, string> = {}) =>
    post(endpoint, body, { ...(await signedHeaders(endpoint, body, options)), ...extra });

  it('builds the REST v1 proxy event (no authorizer) and Lambda context the handler reads', async () => {
    behaviour = 'ok';
    const body = '{"NumberOfBytes":8}';
    const response = await call(body, { region: 'ap-southeast-2' }, { 'User-Agent': 'test-agent' });
    assert.equal(response.status, 200);
    const { event, context } = seen!;
    assert.equal(event.body, body);
    assert.equal(event.isBase64Encoded, false);
    assert.equal(event.httpMethod, 'POST');
    assert.equal(event.path, '/');
    assert.equal(event.resource, '/');
    assert.equal(header(event.headers, 'X-Amz-Target'), 'TrentService.GenerateRandom');
    assert.deepEqual(event.multiValueHeaders['x-amz-target'] ?? event.multiValueHeaders['X-Amz-Target'], ['TrentService.GenerateRandom']);
    assert.match(header(event.headers, 'authorization')!, /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/ap-southeast-2\/kms\/aws4_request/);
    const rc = event.requestContext;
    assert.match(rc.requestId, UUID);
    assert.equal(rc.httpMethod, 'POST');
    assert.equal(rc.resourcePath, '/');
    assert.equal(rc.path, '/', 'the path the client sent');
    assert.equal(typeof rc.requestTimeEpoch, 'number');
    assert.match(rc.requestTime!, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    // No authorizer: the handler authenticates (shared/protocol/sigv4.ts), API Gateway reports no caller.
    assert.equal(rc.identity.accountId, null);
    assert.equal(rc.identity.userArn, null);
    assert.equal(rc.identity.accessKey, null);
    assert.equal(rc.identity.sourceIp, '127.0.0.1');
    assert.equal(rc.identity.userAgent, 'test-agent');
    assert.match(context.awsRequestId, UUID);
    assert.ok(context.getRemainingTimeInMillis() > 0);
    assert.match(context.invokedFunctionArn, /^arn:aws:lambda:ap-southeast-2:111122223333:function:/);
    assert.equal(response.headers.get('x-amzn-requestid'), rc.requestId);
    assert.equal(response.headers.get('content-length'), '11');
  });

  it('under a base path, serves POST /dev/ (and /dev) with the stage path in requestContext.path, and nothing else', async () => {
    behaviour = 'ok';
    for (const path of ['/dev/', '/dev']) {
      seen = undefined;
      const response = await fetch(`${stagedEndpoint.replace(/\/$/, '')}${path}`, { method: 'POST', body: '{}' });
      assert.equal(response.status, 200, path);
      assert.equal(seen!.event.requestContext.path, path);
      assert.equal(seen!.event.path, '/');
      assert.equal(seen!.event.requestContext.stage, 'dev');
    }
    seen = undefined;
    assert.equal((await fetch(`${stagedEndpoint}/`, { method: 'POST', body: '{}' })).status, 404);
    assert.equal((await fetch(`${stagedEndpoint}/prod/`, { method: 'POST', body: '{}' })).status, 404);
    assert.equal(seen, undefined);
    assert.equal(await (await fetch(`${stagedEndpoint}/dev/!admin/regions`)).text(), 'admin', 'operator routes under the base path too');
  });

  it('accepts an absolute URI in the request line (a client behind an HTTP proxy)', async () => {
    behaviour = 'ok';
    const port = new URL(stagedEndpoint).port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: 'http://abc123.execute-api.us-east-1.amazonaws.com/dev/', headers: { Host: 'abc123.execute-api.us-east-1.amazonaws.com' } },
        (res) => {
          res.resume();
          resolve(res.statusCode!);
        },
      );
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(status, 200);
    assert.equal(seen!.event.requestContext.path, '/dev/');
    assert.equal(seen!.event.requestContext.domainName, 'abc123.execute-api.us-east-1.amazonaws.com');
  });

  it('answers 502 when the handler throws or returns no status code', async () => {
    for (const mode of ['throw', 'invalid'] as const) {
      behaviour = mode;
      const { status, json } = await call('{}');
      assert.equal(status, 502, mode);
      assert.equal(json?.message, 'Internal server error');
    }
  });

  it('answers 504 instead of hanging when the handler never returns', async () => {
    behaviour = 'hang';
    const { status } = await call('{}');
    assert.equal(status, 504);
  });

  it('refuses an oversized chunked body (no Content-Length) and does not crash', async () => {
    behaviour = 'ok';
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const headers = await signedHeaders(endpoint, Buffer.concat([chunk, chunk, chunk, chunk, chunk])); // signed, but too large anyway
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(endpoint, { method: 'POST', headers }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      for (let i = 0; i < 5; i++) req.write(chunk); // 1.25 MiB, chunked
      req.end();
    });
    assert.equal(status, 413);
    assert.equal((await call('{}')).status, 200, 'still serving');
  });

  it('answers other paths and methods without calling the handler', async () => {
    seen = undefined;
    assert.equal((await fetch(`${endpoint}/foo`, { method: 'POST', headers: await signedHeaders(endpoint, '') })).status, 404);
    const get = await fetch(endpoint);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    assert.equal(seen, undefined);
  });
});
