/**
 * Audit trail: every API call leaves a CloudTrail-format record in the data directory's day files
 * (KMS-REFERENCE §11), successes and failures alike, with no plaintext, ciphertext or data key in it;
 * `npm run audit -- --key-id` finds a key's records in a time range.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { ACCOUNT, createKey, expectKmsError, kms, keyArn, rawCall, REGION, unknownKeyId } from './helpers.js';
import { clientFor, PRINCIPALS } from './principals.js';
import { auditText, dataDir, waitForRecord, type AuditRecord } from './audit-files.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function assertCommonShape(r: AuditRecord): void {
  assert.equal(r.eventVersion, '1.08');
  assert.equal(r.eventSource, 'kms.amazonaws.com');
  assert.equal(r.eventType, 'AwsApiCall');
  assert.equal(r.managementEvent, true);
  assert.equal(r.eventCategory, 'Management');
  assert.equal(r.awsRegion, REGION);
  assert.match(r.eventTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.match(r.eventID, /^[0-9a-f-]{36}$/);
  assert.ok(typeof r.requestID === 'string' && r.requestID.length > 0);
  assert.ok(typeof r.sourceIPAddress === 'string' && r.sourceIPAddress.length > 0, 'sourceIPAddress');
  assert.ok(typeof r.userAgent === 'string' && r.userAgent.length > 0, 'userAgent');
}

const resourceOf = (keyId: string, account = ACCOUNT) => [{ accountId: account, type: 'AWS::KMS::Key', ARN: keyArn(keyId) }];

test('Encrypt, Decrypt, GenerateDataKey and failures leave records without secrets; the CLI finds them', async () => {
  const started = new Date();
  const client = kms();
  const key = await createKey({ Description: 'audit test' });
  const keyId = key.KeyId!;
  const plaintext = randomBytes(48);
  const context = { purpose: 'audit-test', run: keyId };

  const encrypted = await client.encrypt({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context });
  const encryptId = encrypted.$metadata.requestId!;
  const decrypted = await client.decrypt({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context });
  const decryptId = decrypted.$metadata.requestId!;
  const dataKey = await client.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: context });
  const dataKeyId = dataKey.$metadata.requestId!;

  // Failures: wrong encryption context, unknown key, another account's principal (AccessDenied).
  const wrongContext = await expectKmsError(
    client.decrypt({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { purpose: 'wrong' } }),
    'InvalidCiphertextException',
  );
  const missing = unknownKeyId();
  await expectKmsError(client.disableKey({ KeyId: missing }), 'NotFoundException');
  await expectKmsError(clientFor('dave').encrypt({ KeyId: keyArn(keyId), Plaintext: plaintext }), 'AccessDeniedException');
  // A request that fails validation before anything is decoded.
  const malformed = await rawCall('Encrypt', { KeyId: keyId, Plaintext: 'not base64!' });
  assert.equal(malformed.status, 400);
  const malformedId = malformed.headers.get('x-amzn-requestid')!;

  // Encrypt: request parameters as CloudTrail shows them, no response elements, the key as resource.
  const enc = await waitForRecord('Encrypt', (r) => r.requestID === encryptId);
  assertCommonShape(enc);
  assert.equal(enc.eventName, 'Encrypt');
  assert.equal(enc.readOnly, true);
  assert.deepEqual(enc.requestParameters, { keyId, encryptionContext: context });
  assert.equal(enc.responseElements, null);
  assert.deepEqual(enc.resources, resourceOf(keyId));
  assert.equal(enc.errorCode, undefined);
  assert.deepEqual(enc.userIdentity, {
    type: 'Root',
    principalId: ACCOUNT,
    arn: PRINCIPALS.root.arn,
    accountId: ACCOUNT,
    accessKeyId: PRINCIPALS.root.accessKeyId,
  });
  assert.equal(enc.recipientAccountId, ACCOUNT);

  // Decrypt: the resolved key ARN as keyId and always the algorithm.
  const dec = await waitForRecord('Decrypt', (r) => r.requestID === decryptId);
  assertCommonShape(dec);
  assert.equal(dec.eventName, 'Decrypt');
  assert.deepEqual(dec.requestParameters, { keyId: keyArn(keyId), encryptionContext: context, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
  assert.equal(dec.responseElements, null);
  assert.deepEqual(dec.resources, resourceOf(keyId));

  const gdk = await waitForRecord('GenerateDataKey', (r) => r.requestID === dataKeyId);
  assert.equal(gdk.eventName, 'GenerateDataKey');
  assert.deepEqual(gdk.requestParameters, { keyId, encryptionContext: context, keySpec: 'AES_256' });
  assert.equal(gdk.responseElements, null);

  // Failures carry errorCode and errorMessage.
  const bad = await waitForRecord('Decrypt with a wrong context', (r) => r.eventName === 'Decrypt' && r.errorCode === 'InvalidCiphertextException' && r.requestParameters?.keyId === keyArn(keyId));
  assert.equal(bad.requestID, (wrongContext as { $metadata?: { requestId?: string } }).$metadata?.requestId);
  assert.deepEqual(bad.resources, resourceOf(keyId));
  const notFound = await waitForRecord('DisableKey of an unknown key', (r) => r.eventName === 'DisableKey' && r.requestParameters?.keyId === missing);
  assert.equal(notFound.errorCode, 'NotFoundException');
  assert.ok(typeof notFound.errorMessage === 'string' && notFound.errorMessage.includes(missing));
  assert.equal(notFound.readOnly, false);
  assert.equal(notFound.resources, undefined);
  const denied = await waitForRecord('AccessDenied Encrypt', (r) => r.eventName === 'Encrypt' && r.errorCode === 'AccessDeniedException' && r.requestParameters?.keyId === keyArn(keyId));
  assert.deepEqual(denied.userIdentity, {
    type: 'IAMUser',
    principalId: denied.userIdentity.principalId,
    arn: PRINCIPALS.dave.arn,
    accountId: PRINCIPALS.dave.account,
    accessKeyId: PRINCIPALS.dave.accessKeyId,
    userName: 'dave',
  });
  assert.match(denied.userIdentity.principalId, /^AIDA[A-Z0-9]{17}$/);
  assert.equal(denied.recipientAccountId, PRINCIPALS.dave.account);
  const invalid = await waitForRecord('a malformed Encrypt', (r) => r.requestID === malformedId);
  assert.equal(invalid.eventName, 'Encrypt');
  assert.equal(invalid.errorCode, 'SerializationException');
  assert.equal(invalid.requestParameters, null);

  // CreateKey: a change, so its safe response elements are kept, and the new key is the resource.
  const created = await waitForRecord('CreateKey', (r) => r.eventName === 'CreateKey' && r.responseElements?.keyMetadata?.keyId === keyId);
  assert.equal(created.readOnly, false);
  assert.deepEqual(created.resources, resourceOf(keyId));
  assert.deepEqual(created.requestParameters, { description: 'audit test' });

  // No secret in any form, in any audit file.
  const text = auditText();
  const secrets = [plaintext, Buffer.from(dataKey.Plaintext!), Buffer.from(encrypted.CiphertextBlob!), Buffer.from(dataKey.CiphertextBlob!)];
  for (const secret of secrets) {
    for (const form of [secret.toString('base64'), secret.toString('hex'), secret.toString('latin1')]) {
      assert.ok(!text.includes(form), 'a plaintext, data key or ciphertext appears in the audit files');
    }
  }

  // The CLI: this key's records in the time range, sorted by eventTime, one JSON line each.
  const since = new Date(started.getTime() - 1000).toISOString();
  const until = new Date(Date.now() + 1000).toISOString();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'infra/local/audit-cli.ts'), '--key-id', keyId, '--since', since, '--until', until, '--data-dir', dataDir()],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  const found = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as AuditRecord);
  const ids = new Set(found.map((r) => r.requestID));
  for (const id of [encryptId, decryptId, dataKeyId]) assert.ok(ids.has(id), `the CLI lists request ${id}`);
  assert.ok(found.some((r) => r.errorCode === 'AccessDeniedException'), 'the CLI lists the denied call');
  assert.ok(found.some((r) => r.eventName === 'CreateKey'), 'the CLI lists CreateKey');
  assert.ok(!found.some((r) => r.requestParameters?.keyId === missing), 'another key is not listed');
  for (let i = 1; i < found.length; i++) assert.ok(found[i - 1]!.eventTime <= found[i]!.eventTime, 'sorted by eventTime');
  for (const r of found) {
    assert.ok(
      r.resources?.some((res: { ARN: string }) => res.ARN === keyArn(keyId)) || String(r.requestParameters?.keyId ?? '').endsWith(keyId),
      'every listed record names the key',
    );
  }

  // By ARN too, and an empty range lists nothing.
  const byArn = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/local/audit-cli.ts'), '--key-id', keyArn(keyId), '--data-dir', dataDir()], { cwd: ROOT });
  assert.equal(byArn.stdout.split('\n').filter(Boolean).length, found.length);
  const before = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'infra/local/audit-cli.ts'), '--key-id', keyId, '--until', '2001-01-01T00:00:00Z', '--data-dir', dataDir()],
    { cwd: ROOT },
  );
  assert.equal(before.stdout, '');

  // --table: a header, then one aligned line per record (time, who, what, region, result), in the same order.
  const table = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'infra/local/audit-cli.ts'), '--key-id', keyId, '--since', since, '--until', until, '--table', '--data-dir', dataDir()],
    { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
  );
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^time\s+who\s+what\s+region\s+result$/);
  assert.equal(lines.length, found.length + 1);
  lines.slice(1).forEach((line, i) => {
    const record = found[i]!;
    const cells = line.split(/\s{2,}/);
    assert.deepEqual(cells, [record.eventTime, record.userIdentity.arn, record.eventName, record.awsRegion, record.errorCode ?? 'ok'], line);
  });
});

test('an assumed-role session is recorded with its session context; grant tokens are never recorded', async () => {
  const key = await createKey({});
  const keyId = key.KeyId!;
  const grant = await kms().createGrant({ KeyId: keyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:role/app`, Operations: ['Encrypt', 'DescribeKey'] });
  const out = await clientFor('app').encrypt({ KeyId: keyArn(keyId), Plaintext: Buffer.from('x'), GrantTokens: [grant.GrantToken!] });
  const r = await waitForRecord('the role session Encrypt', (rec) => rec.requestID === out.$metadata.requestId);
  assert.equal(r.userIdentity.type, 'AssumedRole');
  assert.equal(r.userIdentity.arn, PRINCIPALS.app.arn);
  assert.equal(r.userIdentity.sessionContext.sessionIssuer.type, 'Role');
  assert.equal(r.userIdentity.sessionContext.sessionIssuer.arn, `arn:aws:iam::${ACCOUNT}:role/app`);
  assert.equal(r.userIdentity.sessionContext.sessionIssuer.userName, 'app');
  assert.match(r.userIdentity.principalId, /^AROA[A-Z0-9]{17}:app-session$/);
  assert.equal(r.requestParameters.grantTokens, undefined);
  const created = await waitForRecord('CreateGrant', (rec) => rec.eventName === 'CreateGrant' && rec.responseElements?.grantId === grant.GrantId);
  assert.equal(created.responseElements.grantToken, undefined);
  assert.ok(!auditText().includes(grant.GrantToken!), 'a grant token appears in the audit files');
});
