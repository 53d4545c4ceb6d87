/**
 * The deployed service without an AWS account: the `api` and `credentials` bundles that `npm run
 * package` builds for us-east-1 (stage dev, authMode=service) run in Node (tests/support/lambda-host.ts)
 * over DynamoDB Local, behind API Gateway REST proxy events with the stage path, as API Gateway delivers
 * them. The unmodified AWS CLI and the SDK send their requests to
 * `http://<api>.execute-api.us-east-1.amazonaws.com/dev` (through the host as an HTTP proxy, so they sign
 * that Host and `/dev/`), authenticated with service credentials made by the packaged credentials
 * function, as an operator would with `aws lambda invoke`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KMS } from '@aws-sdk/client-kms';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ensurePackage, ROOT } from '../../infra/tools/package.js';
import { ensureTable } from '../../infra/local/tables.js';
import { extractFunction } from '../support/lambda-bundle.js';

const AWS = '/usr/bin/aws';
const REGION = 'us-east-1';
const API_HOST = 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com';
const STAGE_ENDPOINT = `http://${API_HOST}/dev`;
/** The API function's credential cache: a disabled credential must be refused within this. */
const CREDENTIAL_TTL_MS = 1500;
const TABLE = `kms-bundle-${randomUUID().slice(0, 8)}`;

let work = '';
let host: ChildProcess | undefined;
let hostUrl = '';
let hostOutput = '';
let dynamodbEndpoint = process.env.KMS_DYNAMODB_ENDPOINT ?? '';
let stopDynamo: (() => Promise<void>) | undefined;

interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** `aws lambda invoke --function-name kms-dev-credentials --payload ...`, against the packaged bundle. */
async function invokeCredentials(payload: Record<string, unknown>): Promise<Record<string, any>> {
  const response = await fetch(`${hostUrl}/!admin/invoke/credentials`, { method: 'POST', body: JSON.stringify({ by: 'test-operator', ...payload }) });
  assert.equal(response.status, 200, 'the function ran');
  return (await response.json()) as Record<string, any>;
}

/** The unmodified AWS CLI v2, pointed at the stage endpoint, reaching the host as its HTTP proxy. */
function aws(keys: Keys, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const proxy = hostUrl;
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/bin:/bin',
    HOME: work,
    LANG: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    ...(keys.sessionToken ? { AWS_SESSION_TOKEN: keys.sessionToken } : {}),
    AWS_DEFAULT_REGION: REGION,
    AWS_PAGER: '',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    HTTP_PROXY: proxy,
    http_proxy: proxy,
    NO_PROXY: '',
    no_proxy: '',
  };
  return new Promise((resolve) => {
    execFile(AWS, [...args, '--endpoint-url', STAGE_ENDPOINT, '--output', 'json'], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

async function awsJson(keys: Keys, args: string[]): Promise<Record<string, any>> {
  const result = await aws(keys, args);
  assert.equal(result.code, 0, `aws ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, any>;
}

async function awsError(keys: Keys, args: string[]): Promise<string> {
  const result = await aws(keys, args);
  assert.notEqual(result.code, 0, `aws ${args.join(' ')} should have been refused: ${result.stdout}`);
  const match = /An error occurred \((\w+)\)/.exec(result.stderr);
  assert.ok(match, `an AWS error line: ${result.stderr}`);
  return match[1]!;
}

/** The SDK with the stage endpoint, its connections going to the host (the DNS name resolves nowhere here). */
function sdk(keys: Keys): KMS {
  const port = Number(new URL(hostUrl).port);
  class ToHost extends Agent {
    override createConnection(): ReturnType<Agent['createConnection']> {
      return connect(port, '127.0.0.1');
    }
  }
  return new KMS({
    region: REGION,
    endpoint: STAGE_ENDPOINT,
    credentials: keys,
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ httpAgent: new ToHost({ keepAlive: true }) }),
  });
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'kms-bundle-'));
  if (!dynamodbEndpoint) {
    const { startDynamoDbLocal } = await import('../../infra/local/dynamodb-local.js');
    const dynamo = await startDynamoDbLocal({ dataDir: join(work, 'dynamodb'), port: 0 });
    dynamodbEndpoint = dynamo.endpoint;
    stopDynamo = () => dynamo.stop();
  }
  const packageDir = ensurePackage('dev', REGION);
  const [apiBundle, credentialsBundle] = await Promise.all([extractFunction(packageDir, 'api', work), extractFunction(packageDir, 'credentials', work)]);
  await ensureTable(dynamodbEndpoint, REGION, TABLE);

  // What Lambda and the stack give the functions (serverless.yml), with DynamoDB Local as the table and
  // the root key in the environment instead of Secrets Manager.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: 'lambda-role-key',
    AWS_SECRET_ACCESS_KEY: 'lambda-role-secret',
    KMS_TABLE_NAME: TABLE,
    KMS_DYNAMODB_ENDPOINT: dynamodbEndpoint,
    KMS_ROOT_KEY: randomBytes(32).toString('base64'),
    KMS_REGIONS: `${REGION},us-west-2`,
    KMS_AUTH_MODE: 'service',
    KMS_CREDENTIAL_CACHE_TTL_MS: String(CREDENTIAL_TTL_MS),
    KMS_EVENT_SOURCE: 'kms.dev',
    KMS_AUDIT_LOG_GROUP: '/kms/dev/audit',
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    POWERTOOLS_SERVICE_NAME: 'kms',
    POWERTOOLS_METRICS_NAMESPACE: 'KMS',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    KMS_HOST_API_BUNDLE: apiBundle,
    KMS_HOST_CREDENTIALS_BUNDLE: credentialsBundle,
  };
  const script = fileURLToPath(new URL('../support/lambda-host.ts', import.meta.url));
  host = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  host.stderr!.on('data', (chunk: Buffer) => (hostOutput += chunk.toString()));
  hostUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the lambda host did not start: ${hostOutput}`)), 60_000);
    host!.stdout!.on('data', (chunk: Buffer) => {
      hostOutput += chunk.toString();
      const match = /^lambda host: (\S+)$/m.exec(hostOutput);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    host!.once('exit', (code) => reject(new Error(`the lambda host exited (${code}): ${hostOutput}`)));
  });
});

after(async () => {
  host?.kill('SIGTERM');
  await stopDynamo?.();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packaged api bundle behind API Gateway (stage path, authMode=service)', { timeout: 240_000 }, () => {
  let alice: Keys;
  const secrets: string[] = [];

  before(async () => {
    const created = await invokeCredentials({ action: 'create', principalArn: 'arn:aws:iam::111122223333:user/alice' });
    assert.equal(created.ok, true, JSON.stringify(created));
    assert.match(created.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(created.secretAccessKey.length, 40);
    alice = { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey };
    secrets.push(created.secretAccessKey);
  });

  it('answers `aws kms create-key`, `encrypt` and `decrypt` signed by the unmodified AWS CLI', async () => {
    const { KeyMetadata } = await awsJson(alice, ['kms', 'create-key', '--description', 'via the bundle']);
    assert.equal(KeyMetadata.AWSAccountId, '111122223333');
    assert.match(KeyMetadata.Arn, /^arn:aws:kms:us-east-1:111122223333:key\//);
    const plaintext = randomBytes(24);
    const file = join(work, 'plain.bin');
    writeFileSync(file, plaintext);
    const encrypted = await awsJson(alice, ['kms', 'encrypt', '--key-id', KeyMetadata.KeyId, '--plaintext', `fileb://${file}`, '--encryption-context', 'purpose=bundle']);
    assert.equal(encrypted.KeyId, KeyMetadata.Arn);
    writeFileSync(join(work, 'cipher.bin'), Buffer.from(encrypted.CiphertextBlob, 'base64'));
    const decrypted = await awsJson(alice, ['kms', 'decrypt', '--ciphertext-blob', `fileb://${join(work, 'cipher.bin')}`, '--encryption-context', 'purpose=bundle']);
    assert.ok(Buffer.from(decrypted.Plaintext, 'base64').equals(plaintext));
  });

  it('answers `aws sts get-caller-identity` with the credential\'s principal', async () => {
    const identity = await awsJson(alice, ['sts', 'get-caller-identity']);
    assert.equal(identity.Account, '111122223333');
    assert.equal(identity.Arn, 'arn:aws:iam::111122223333:user/alice');
    assert.match(identity.UserId, /^AIDA[A-Z2-7]{17}$/);
  });

  it('answers the SDK the same way', async () => {
    const client = sdk(alice);
    const key = await client.createKey({});
    const out = await client.encrypt({ KeyId: key.KeyMetadata!.KeyId, Plaintext: Buffer.from('sdk') });
    const back = await client.decrypt({ CiphertextBlob: out.CiphertextBlob });
    assert.equal(Buffer.from(back.Plaintext!).toString(), 'sdk');
    client.destroy();
  });

  it('signs and verifies with the @noble libraries, a chunk of the bundle loaded on first use', async () => {
    const client = sdk(alice);
    // ECDSA over a digest and ML-DSA use @noble, which the bundle loads only when an asymmetric key is used.
    for (const [KeySpec, SigningAlgorithm, MessageType, Message] of [
      ['ECC_SECG_P256K1', 'ECDSA_SHA_256', 'DIGEST', randomBytes(32)],
      ['ML_DSA_44', 'ML_DSA_SHAKE_256', 'RAW', Buffer.from('bundle')],
    ] as const) {
      const key = await client.createKey({ KeySpec, KeyUsage: 'SIGN_VERIFY' });
      const KeyId = key.KeyMetadata!.KeyId!;
      const { Signature } = await client.sign({ KeyId, Message, MessageType, SigningAlgorithm });
      const verified = await client.verify({ KeyId, Message, MessageType, SigningAlgorithm, Signature });
      assert.equal(verified.SignatureValid, true, KeySpec);
      const tampered = Buffer.from(Signature!);
      tampered[tampered.length - 1]! ^= 1;
      await assert.rejects(client.verify({ KeyId, Message, MessageType, SigningAlgorithm, Signature: tampered }), { name: 'KMSInvalidSignatureException' });
    }
    client.destroy();
  });

  it('refuses a tampered signature (wrong secret) and an unknown access key, for KMS and STS', async () => {
    const tampered = { ...alice, secretAccessKey: alice.secretAccessKey.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) };
    assert.equal(await awsError(tampered, ['kms', 'list-keys']), 'InvalidSignatureException');
    assert.equal(await awsError(tampered, ['sts', 'get-caller-identity']), 'SignatureDoesNotMatch');
    const unknown = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x'.repeat(40) };
    assert.equal(await awsError(unknown, ['kms', 'list-keys']), 'UnrecognizedClientException');
    assert.equal(await awsError(unknown, ['sts', 'get-caller-identity']), 'InvalidClientTokenId');
  });

  it('a role session credential needs its session token', async () => {
    const created = await invokeCredentials({ action: 'create', principalArn: 'arn:aws:sts::111122223333:assumed-role/app/bundle-session' });
    assert.equal(created.ok, true, JSON.stringify(created));
    assert.match(created.accessKeyId, /^ASIA/);
    secrets.push(created.secretAccessKey, created.sessionToken);
    const session = { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey, sessionToken: created.sessionToken };
    const identity = await awsJson(session, ['sts', 'get-caller-identity']);
    assert.equal(identity.Arn, 'arn:aws:sts::111122223333:assumed-role/app/bundle-session');
    assert.equal(await awsError({ ...session, sessionToken: undefined }, ['kms', 'list-keys']), 'UnrecognizedClientException');
  });

  it(`refuses a disabled credential within the cache's ${CREDENTIAL_TTL_MS} ms, takes it back when enabled, and rotates`, async () => {
    const created = await invokeCredentials({ action: 'create', principalArn: 'arn:aws:iam::111122223333:user/carol' });
    const carol = { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey };
    secrets.push(carol.secretAccessKey);
    await awsJson(carol, ['kms', 'list-keys']); // cached as active now

    const disabled = await invokeCredentials({ action: 'disable', accessKeyId: carol.accessKeyId });
    assert.equal(disabled.status, 'Inactive');
    const disabledAt = Date.now();
    let refused = false;
    for (let run = 0; run < 20 && !refused; run++) {
      // A request sent once the TTL has passed must be refused, however long the CLI takes to start
      // (under load, seconds): what counts is when this run began, before its request left.
      const startedAfter = Date.now() - disabledAt;
      const result = await aws(carol, ['kms', 'list-keys']);
      refused = result.code !== 0;
      if (refused) assert.match(result.stderr, /UnrecognizedClientException/);
      else assert.ok(startedAfter < CREDENTIAL_TTL_MS, `still served by a run begun ${startedAfter} ms after the credential was disabled`);
    }
    assert.ok(refused, 'refused at last');

    await invokeCredentials({ action: 'enable', accessKeyId: carol.accessKeyId });
    await new Promise((r) => setTimeout(r, CREDENTIAL_TTL_MS + 100));
    await awsJson(carol, ['kms', 'list-keys']);

    const rotated = await invokeCredentials({ action: 'rotate', accessKeyId: carol.accessKeyId, disableOld: true });
    assert.equal(rotated.ok, true);
    assert.notEqual(rotated.created.accessKeyId, carol.accessKeyId);
    assert.equal(rotated.previous.status, 'Inactive');
    secrets.push(rotated.created.secretAccessKey);
    const next = { accessKeyId: rotated.created.accessKeyId, secretAccessKey: rotated.created.secretAccessKey };
    assert.equal((await awsJson(next, ['sts', 'get-caller-identity'])).Arn, 'arn:aws:iam::111122223333:user/carol');

    const listed = await invokeCredentials({ action: 'list' });
    const byId = new Map((listed.credentials as Array<Record<string, any>>).map((c) => [c.accessKeyId, c]));
    assert.equal(byId.get(carol.accessKeyId)?.status, 'Inactive');
    assert.equal(byId.get(next.accessKeyId)?.status, 'Active');
    assert.ok(byId.get(alice.accessKeyId)?.lastUsedAt, 'last use is recorded');

    const deleted = await invokeCredentials({ action: 'delete', accessKeyId: carol.accessKeyId });
    assert.equal(deleted.deleted, true);
    assert.equal((await invokeCredentials({ action: 'enable', accessKeyId: carol.accessKeyId })).ok, false, 'gone');
  });

  it('the credentials function refuses bad payloads without a stack trace', async () => {
    for (const payload of [{ action: 'create' }, { action: 'create', principalArn: 'arn:aws:iam::1:user/x' }, { action: 'nope' }, { action: 'disable' }, { action: 'list', by: '' }]) {
      const result = await invokeCredentials(payload);
      assert.equal(result.ok, false, JSON.stringify(payload));
      assert.equal(typeof result.message, 'string');
    }
  });

  it('every credential change left an audit record; no secret in the table, the audit records or the logs', async () => {
    const captured = (await (await fetch(`${hostUrl}/!admin/captured`)).json()) as {
      audit: Array<Record<string, any>>;
      seen: Array<{ path: string; host?: string }>;
      logStreams: string[];
    };
    // The API and the credentials function put their records into the log group's one stream, made by
    // the first write that found it missing.
    assert.deepEqual(captured.logStreams, ['audit']);
    // Every request reached the function as API Gateway hands it over: the stage path and the execute-api
    // Host the clients signed (the CLI sends `/dev/`, the JavaScript SDK `/dev`: both are the stage's root).
    assert.ok(captured.seen.length >= 10);
    for (const request of captured.seen) {
      assert.equal(request.host, API_HOST);
      assert.ok(request.path === '/dev/' || request.path === '/dev', request.path);
    }
    assert.ok(captured.seen.some((request) => request.path === '/dev/'));
    const names = captured.audit.map((record) => record.eventName);
    for (const name of ['CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey']) assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    const creation = captured.audit.find((record) => record.eventName === 'CreateAccessKey' && record.requestParameters?.accessKeyId === alice.accessKeyId);
    assert.equal(creation?.userIdentity?.principalId, 'test-operator');
    assert.equal(creation?.requestParameters?.principalArn, 'arn:aws:iam::111122223333:user/alice');
    assert.ok(names.includes('Encrypt'), 'the API\'s own records too');

    const client = new DynamoDBClient({ endpoint: dynamodbEndpoint, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const items = (await client.send(new ScanCommand({ TableName: TABLE }))).Items ?? [];
    client.destroy();
    assert.ok(items.some((item) => item.pk?.S === 'CREDENTIALS'), 'the credentials are in the table');
    const stored = JSON.stringify(items);
    const audit = JSON.stringify(captured.audit);
    for (const secret of secrets) {
      for (const form of [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')]) {
        assert.ok(!stored.includes(form), 'no secret in the table');
        assert.ok(!audit.includes(form), 'no secret in the audit records');
        assert.ok(!hostOutput.includes(form), 'no secret in the functions\' logs');
      }
    }
  });
});
