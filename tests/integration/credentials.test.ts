/**
 * Service credentials managed with `npm run credentials` against the running local service (its admin
 * route, admin token in KMS_DATA_DIR): created, used by the SDK and the STS endpoint, disabled (refused
 * at once here: the change goes through this process's own cache), enabled, rotated and deleted; every
 * change audited; no secret in the table, the audit trail or the service log.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { KMS } from '@aws-sdk/client-kms';
import { endpoint, expectKmsError } from './helpers.js';

const CLI = fileURLToPath(new URL('../../infra/local/credentials-cli.ts', import.meta.url));

function credentials(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, ['--import', 'tsx', CLI, ...args, '--by', 'credentials-test'], { env: process.env }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    ),
  );
}

async function credentialsJson(...args: string[]): Promise<Record<string, any>> {
  const result = await credentials(...args);
  assert.equal(result.code, 0, `npm run credentials -- ${args.join(' ')}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, any>;
}

const client = (keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
  new KMS({ endpoint: endpoint(), region: 'us-east-1', credentials: keys, maxAttempts: 1 });

function auditRecords(): Array<Record<string, any>> {
  const dir = join(process.env.KMS_DATA_DIR!, 'audit');
  return readdirSync(dir)
    .filter((name) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(name))
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

async function eventually(check: () => boolean, what: string) {
  for (let i = 0; i < 50; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(what);
}

describe('npm run credentials', () => {
  const secrets: string[] = [];

  test('create, use, disable, enable, rotate, delete: each takes effect at once and is audited', async () => {
    const created = await credentialsJson('create', '--principal', 'arn:aws:iam::111122223333:user/ci/robot', '--description', 'CI robot');
    assert.match(created.accessKeyId, /^AKIA[A-Z2-7]{16}$/);
    assert.equal(created.principalArn, 'arn:aws:iam::111122223333:user/ci/robot');
    secrets.push(created.secretAccessKey);
    const robot = { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey };
    const { KeyMetadata } = await client(robot).createKey({ Description: 'made by the robot' });
    assert.equal(KeyMetadata?.AWSAccountId, '111122223333');

    const listed = await credentialsJson('list');
    const entry = (listed.credentials as Array<Record<string, any>>).find((c) => c.accessKeyId === robot.accessKeyId);
    assert.equal(entry?.status, 'Active');
    assert.equal(entry?.origin, 'operator');
    assert.equal(entry?.description, 'CI robot');
    assert.equal(entry?.secretAccessKey, undefined, 'list shows no secret');
    assert.ok(entry?.lastUsedAt, 'its use was recorded');

    assert.equal((await credentialsJson('disable', robot.accessKeyId)).status, 'Inactive');
    await expectKmsError(client(robot).listKeys({}), 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    assert.equal((await credentialsJson('enable', robot.accessKeyId)).status, 'Active');
    await client(robot).listKeys({});

    const rotated = await credentialsJson('rotate', robot.accessKeyId);
    secrets.push(rotated.created.secretAccessKey);
    assert.equal(rotated.previous.status, 'Active', 'without --disable-old the old key keeps working');
    const next = { accessKeyId: rotated.created.accessKeyId, secretAccessKey: rotated.created.secretAccessKey };
    await client(next).describeKey({ KeyId: KeyMetadata!.KeyId! });
    await client(robot).describeKey({ KeyId: KeyMetadata!.KeyId! });
    const again = await credentialsJson('rotate', next.accessKeyId, '--disable-old');
    secrets.push(again.created.secretAccessKey);
    assert.equal(again.previous.status, 'Inactive');
    await expectKmsError(client(next).listKeys({}), 'UnrecognizedClientException');

    assert.equal((await credentialsJson('delete', robot.accessKeyId)).deleted, true);
    await expectKmsError(client(robot).listKeys({}), 'UnrecognizedClientException');

    await eventually(() => {
      const names = auditRecords()
        .filter((r) => [robot.accessKeyId, next.accessKeyId].includes(r.requestParameters?.accessKeyId))
        .map((r) => r.eventName);
      return names.filter((n) => n === 'CreateAccessKey').length === 2 && names.includes('UpdateAccessKey') && names.includes('DeleteAccessKey');
    }, 'CreateAccessKey, UpdateAccessKey and DeleteAccessKey records');
    const record = auditRecords().find((r) => r.eventName === 'CreateAccessKey' && r.requestParameters?.accessKeyId === robot.accessKeyId)!;
    assert.equal(record.userIdentity.principalId, 'credentials-test');
    assert.equal(record.eventType, 'AwsServiceEvent');
  });

  test('a role session gets a session token, which its requests must carry', async () => {
    const created = await credentialsJson('create', '--principal', 'arn:aws:sts::444455556666:assumed-role/deployer/run-42', '--vpce', 'vpce-0123456789abcdef0');
    assert.match(created.accessKeyId, /^ASIA/);
    assert.equal(typeof created.sessionToken, 'string');
    secrets.push(created.secretAccessKey, created.sessionToken);
    const session = { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey, sessionToken: created.sessionToken };
    const { KeyMetadata } = await client(session).createKey({});
    assert.equal(KeyMetadata?.AWSAccountId, '444455556666');
    await expectKmsError(client({ ...session, sessionToken: undefined }).listKeys({}), 'UnrecognizedClientException');
  });

  test('refuses what it cannot do, with a message and a non-zero exit', async () => {
    const badArn = await credentials('create', '--principal', 'arn:aws:iam::1:user/x');
    assert.equal(badArn.code, 1);
    assert.match(badArn.stderr, /--principal must be/);
    const unknown = await credentials('disable', 'AKIANOBODY0000000000');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No credential with access key id AKIANOBODY0000000000/);
    const usage = await credentials('frobnicate');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: npm run credentials/);
  });

  test('no secret in the table, the audit trail or the service log', async () => {
    assert.ok(secrets.length >= 4);
    const db = new DynamoDBClient({ endpoint: process.env.KMS_DYNAMODB_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const items: unknown[] = [];
    let start: Record<string, any> | undefined;
    do {
      const page = await db.send(new ScanCommand({ TableName: process.env.KMS_TABLE_NAME ?? 'kms', ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    db.destroy();
    const table = JSON.stringify(items);
    assert.ok(table.includes('"CREDENTIALS"'), 'the credentials are in this table');
    const audit = JSON.stringify(auditRecords());
    const log = process.env.KMS_SERVICE_LOG ? readFileSync(process.env.KMS_SERVICE_LOG, 'utf8') : '';
    for (const secret of secrets) {
      for (const form of [secret, Buffer.from(secret).toString('base64')]) {
        assert.ok(!table.includes(form), 'not in the table');
        assert.ok(!audit.includes(form), 'not in the audit trail');
        assert.ok(!log.includes(form), 'not in the service log');
      }
    }
    // The seeded file's secrets neither.
    assert.ok(!table.includes('alice-secret-not-a-real-one'));
  });
});
