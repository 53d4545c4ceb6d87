/**
 * Key policies and authorization through the SDK, with principals of two accounts (tests/fixtures/
 * credentials.json): the default policy, cross-account use, conditions on encryption context and source
 * VPC endpoint, explicit deny, the lockout safety check, AWS managed keys, and that a denied request
 * changes nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { ACCOUNT, expectKmsError, kms } from './helpers.js';
import { clientFor, signedCall } from './principals.js';
import { scanTable } from './table.js';

const OTHER_ACCOUNT = '444455556666';
const root = () => kms();
const rootArn = `arn:aws:iam::${ACCOUNT}:root`;

/** A policy that keeps the account root in control (lockout check) plus the given statements. */
function policyWith(...statements: object[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: rootArn }, Action: 'kms:*', Resource: '*' },
      ...statements,
    ],
  });
}

/** The root statement admits only the root itself (not every principal of the account), plus the given statements. */
function rootOnlyPolicy(...statements: object[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: rootArn }, Action: 'kms:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalArn': rootArn } } },
      ...statements,
    ],
  });
}

async function keyWithPolicy(policy?: string) {
  const { KeyMetadata } = await root().createKey({ Policy: policy, Description: `access ${randomUUID()}` });
  return KeyMetadata!;
}

const plaintext = Buffer.from('access control');

describe('default key policy', () => {
  test('GetKeyPolicy returns AWS\'s default text and ListKeyPolicies names it "default"', async () => {
    const key = await keyWithPolicy();
    const { Policy, PolicyName } = await root().getKeyPolicy({ KeyId: key.KeyId, PolicyName: 'default' });
    assert.equal(PolicyName, 'default');
    assert.equal(
      Policy,
      `{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n    "Sid" : "Enable IAM User Permissions",\n    "Effect" : "Allow",\n    "Principal" : {\n      "AWS" : "arn:aws:iam::${ACCOUNT}:root"\n    },\n    "Action" : "kms:*",\n    "Resource" : "*"\n  } ]\n}`,
    );
    assert.deepEqual((await root().listKeyPolicies({ KeyId: key.KeyId })).PolicyNames, ['default']);
    await expectKmsError(root().getKeyPolicy({ KeyId: key.KeyId, PolicyName: 'other' }), 'NotFoundException');
  });

  test('every principal of the account may use the key; another account may not', async () => {
    const key = await keyWithPolicy();
    for (const name of ['alice', 'bob', 'app'] as const) {
      const { CiphertextBlob } = await clientFor(name).encrypt({ KeyId: key.Arn, Plaintext: plaintext });
      assert.deepEqual(Buffer.from((await clientFor(name).decrypt({ CiphertextBlob })).Plaintext!), plaintext);
    }
    await expectKmsError(
      clientFor('dave').encrypt({ KeyId: key.Arn, Plaintext: plaintext }),
      'AccessDeniedException',
      `User: arn:aws:iam::${OTHER_ACCOUNT}:user/dave is not authorized to perform: kms:Encrypt on resource: ${key.Arn} because no resource-based policy allows the kms:Encrypt action`,
    );
    // A bare key id names a key of the caller's own account.
    await expectKmsError(clientFor('dave').describeKey({ KeyId: key.KeyId }), 'NotFoundException');
  });
});

describe('cross-account policy', () => {
  test('the other account uses the key by ARN for cross-account operations only', async () => {
    const key = await keyWithPolicy(
      policyWith({
        Sid: 'Other account may use the key',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKey', 'kms:DisableKey'],
        Resource: '*',
      }),
    );
    const dave = clientFor('dave');
    const { CiphertextBlob, KeyId } = await dave.encrypt({ KeyId: key.Arn, Plaintext: plaintext });
    assert.equal(KeyId, key.Arn);
    assert.deepEqual(Buffer.from((await dave.decrypt({ CiphertextBlob })).Plaintext!), plaintext);
    assert.equal((await dave.describeKey({ KeyId: key.Arn })).KeyMetadata!.AWSAccountId, ACCOUNT);
    assert.equal((await dave.generateDataKey({ KeyId: key.Arn, KeySpec: 'AES_256' })).Plaintext!.length, 32);
    // DisableKey is not a cross-account operation, whatever the policy says.
    await expectKmsError(dave.disableKey({ KeyId: key.Arn }), 'NotFoundException');
    assert.equal((await root().describeKey({ KeyId: key.KeyId })).KeyMetadata!.KeyState, 'Enabled');
  });
});

describe('conditions', () => {
  test('kms:EncryptionContext:<key> limits a principal to one context', async () => {
    // Set on a live key, so this also shows a policy change taking effect at once.
    const key = await keyWithPolicy();
    await root().putKeyPolicy({
      KeyId: key.KeyId,
      PolicyName: 'default',
      Policy: rootOnlyPolicy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` },
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:EncryptionContext:purpose': 'test' } },
      }),
    });
    const alice = clientFor('alice');
    const { CiphertextBlob } = await alice.encrypt({ KeyId: key.KeyId, Plaintext: plaintext, EncryptionContext: { purpose: 'test' } });
    await alice.decrypt({ CiphertextBlob, EncryptionContext: { purpose: 'test' } });
    await expectKmsError(alice.encrypt({ KeyId: key.KeyId, Plaintext: plaintext }), 'AccessDeniedException');
    await expectKmsError(alice.encrypt({ KeyId: key.KeyId, Plaintext: plaintext, EncryptionContext: { purpose: 'other' } }), 'AccessDeniedException');
    // Bob is not named at all.
    await expectKmsError(clientFor('bob').encrypt({ KeyId: key.KeyId, Plaintext: plaintext, EncryptionContext: { purpose: 'test' } }), 'AccessDeniedException');
  });

  test('aws:SourceVpce admits only requests through that VPC endpoint', async () => {
    const key = await keyWithPolicy(
      rootOnlyPolicy({
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'kms:Encrypt',
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-0123456789abcdef0', 'kms:CallerAccount': ACCOUNT } },
      }),
    );
    await clientFor('erin').encrypt({ KeyId: key.KeyId, Plaintext: plaintext });
    await expectKmsError(clientFor('alice').encrypt({ KeyId: key.KeyId, Plaintext: plaintext }), 'AccessDeniedException');
  });

  test('an explicit deny beats the allow of the default statement', async () => {
    const key = await keyWithPolicy(
      policyWith({ Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/engineering/bob` }, Action: 'kms:Decrypt', Resource: '*' }),
    );
    const bob = clientFor('bob');
    const { CiphertextBlob } = await bob.encrypt({ KeyId: key.KeyId, Plaintext: plaintext });
    await expectKmsError(
      bob.decrypt({ CiphertextBlob }),
      'AccessDeniedException',
      `User: arn:aws:iam::${ACCOUNT}:user/engineering/bob is not authorized to perform: kms:Decrypt on resource: ${key.Arn} with an explicit deny in a resource-based policy`,
    );
    await clientFor('alice').decrypt({ CiphertextBlob });
  });

  test('a role in a policy admits its assumed-role sessions', async () => {
    const key = await keyWithPolicy(
      rootOnlyPolicy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` }, Action: 'kms:Encrypt', Resource: '*' }),
    );
    await clientFor('app').encrypt({ KeyId: key.KeyId, Plaintext: plaintext });
    await expectKmsError(clientFor('alice').encrypt({ KeyId: key.KeyId, Plaintext: plaintext }), 'AccessDeniedException');
  });
});

describe('PutKeyPolicy and CreateKey policy rules', () => {
  test('the lockout safety check refuses a policy the caller could not change again, unless bypassed', async () => {
    const key = await keyWithPolicy();
    const aliceOnly = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, Action: 'kms:*', Resource: '*' }],
    });
    await expectKmsError(
      root().putKeyPolicy({ KeyId: key.KeyId, PolicyName: 'default', Policy: aliceOnly }),
      'MalformedPolicyDocumentException',
      'The new key policy will not allow you to update the key policy in the future.',
    );
    await expectKmsError(root().createKey({ Policy: aliceOnly }), 'MalformedPolicyDocumentException');
    await root().putKeyPolicy({ KeyId: key.KeyId, PolicyName: 'default', Policy: aliceOnly, BypassPolicyLockoutSafetyCheck: true });
    // The root is now locked out; alice is in control.
    await expectKmsError(root().getKeyPolicy({ KeyId: key.KeyId }), 'AccessDeniedException');
    assert.equal((await clientFor('alice').getKeyPolicy({ KeyId: key.KeyId })).Policy, aliceOnly);
  });

  test('malformed and oversized policies', async () => {
    const key = await keyWithPolicy();
    await expectKmsError(root().putKeyPolicy({ KeyId: key.KeyId, Policy: '{"Statement": [' }), 'MalformedPolicyDocumentException');
    // Conditions on the key's own tags or aliases belong in IAM policies, not key policies.
    await expectKmsError(
      root().putKeyPolicy({
        KeyId: key.KeyId,
        Policy: policyWith({ Effect: 'Allow', Principal: { AWS: rootArn }, Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'a' } } }),
      }),
      'MalformedPolicyDocumentException',
      'These condition keys are not permitted in a key policy: aws:ResourceTag, kms:ResourceTag, kms:ResourceAliases',
    );
    const huge = policyWith({ Sid: 'x'.repeat(33_000), Effect: 'Allow', Principal: { AWS: rootArn }, Action: 'kms:Encrypt', Resource: '*' });
    await expectKmsError(root().putKeyPolicy({ KeyId: key.KeyId, Policy: huge }), 'LimitExceededException');
    assert.match((await root().getKeyPolicy({ KeyId: key.KeyId })).Policy!, /key-default-1/);
  });

  test('a denied request changes nothing', async () => {
    const key = await keyWithPolicy(policyWith({ Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, Action: '*', Resource: '*' }));
    const alice = clientFor('alice');
    const before = (await root().describeKey({ KeyId: key.KeyId })).KeyMetadata!;
    await expectKmsError(alice.disableKey({ KeyId: key.KeyId }), 'AccessDeniedException');
    await expectKmsError(alice.updateKeyDescription({ KeyId: key.KeyId, Description: 'changed' }), 'AccessDeniedException');
    await expectKmsError(alice.tagResource({ KeyId: key.KeyId, Tags: [{ TagKey: 'k', TagValue: 'v' }] }), 'AccessDeniedException');
    await expectKmsError(alice.scheduleKeyDeletion({ KeyId: key.KeyId, PendingWindowInDays: 7 }), 'AccessDeniedException');
    await expectKmsError(alice.putKeyPolicy({ KeyId: key.KeyId, Policy: policyWith() }), 'AccessDeniedException');
    await expectKmsError(alice.createAlias({ AliasName: `alias/denied-${randomUUID()}`, TargetKeyId: key.KeyId }), 'AccessDeniedException');
    assert.deepEqual((await root().describeKey({ KeyId: key.KeyId })).KeyMetadata, before);
    assert.deepEqual((await root().listResourceTags({ KeyId: key.KeyId })).Tags, []);
    assert.equal((await root().listAliases({ KeyId: key.KeyId })).Aliases!.length, 0);
  });
});

describe('refused requests and the table', () => {
  test('denied and unauthenticated requests leave every stored item as it was', async () => {
    const region = 'ca-central-1'; // no other test uses it, so the table there changes only by this test
    const owner = kms(region);
    const { KeyMetadata } = await owner.createKey({ Policy: policyWith({ Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, Action: '*', Resource: '*' }) });
    const keyId = KeyMetadata!.KeyId!;
    await owner.createAlias({ AliasName: 'alias/stays', TargetKeyId: keyId });
    const before = await scanTable(region);
    assert.ok(before.some((item) => item.entity === 'Key' && item.keyId === keyId), 'the snapshot holds the key');

    const alice = clientFor('alice', region);
    await expectKmsError(alice.disableKey({ KeyId: keyId }), 'AccessDeniedException');
    await expectKmsError(alice.putKeyPolicy({ KeyId: keyId, Policy: policyWith() }), 'AccessDeniedException');
    await expectKmsError(alice.deleteAlias({ AliasName: 'alias/stays' }), 'AccessDeniedException');
    await expectKmsError(alice.createGrant({ KeyId: keyId, GranteePrincipal: `arn:aws:iam::${ACCOUNT}:user/alice`, Operations: ['Encrypt'] }), 'AccessDeniedException');
    await expectKmsError(clientFor('dave', region).scheduleKeyDeletion({ KeyId: KeyMetadata!.Arn! }), 'NotFoundException');
    // Unauthenticated: a wrong secret, and a body changed after signing.
    const wrongSecret = await signedCall('root', 'DisableKey', { KeyId: keyId }, { region, credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' } });
    assert.equal(wrongSecret.json?.__type, 'InvalidSignatureException');
    const tampered = await signedCall('root', 'UpdateKeyDescription', { KeyId: keyId, Description: 'signed' }, {
      region,
      tamper: (request) => {
        request.body = JSON.stringify({ KeyId: keyId, Description: 'changed after signing' });
      },
    });
    assert.equal(tampered.json?.__type, 'InvalidSignatureException');
    const created = await signedCall('root', 'CreateKey', { Description: 'never' }, { region, credentials: { accessKeyId: 'AKIAUNKNOWN000LOCAL', secretAccessKey: 'x' } });
    assert.equal(created.json?.__type, 'UnrecognizedClientException');

    assert.deepEqual(await scanTable(region), before);
  });
});

describe('AWS managed keys', () => {
  test('alias/aws/<service> creates the managed key once; customers can read but not use or change it', async () => {
    const region = 'ap-southeast-2'; // a region no other test uses, so this test sees the first use
    const client = kms(region);
    const first = (await client.describeKey({ KeyId: 'alias/aws/s3' })).KeyMetadata!;
    assert.equal(first.KeyManager, 'AWS');
    assert.equal(first.KeyState, 'Enabled');
    const again = await Promise.all([client.describeKey({ KeyId: 'alias/aws/s3' }), client.describeKey({ KeyId: 'alias/aws/s3' })]);
    for (const r of again) assert.equal(r.KeyMetadata!.KeyId, first.KeyId);
    const aliases = (await client.listAliases({ KeyId: first.KeyId })).Aliases!;
    assert.deepEqual(aliases.map((a) => a.AliasName), ['alias/aws/s3']);
    assert.match((await client.getKeyPolicy({ KeyId: first.KeyId })).Policy!, /kms:ViaService/);

    // Direct use is only through the service (kms:ViaService), and nothing about the key can be changed.
    await expectKmsError(client.encrypt({ KeyId: 'alias/aws/s3', Plaintext: plaintext }), 'AccessDeniedException');
    await expectKmsError(client.disableKey({ KeyId: first.KeyId! }), 'AccessDeniedException');
    await expectKmsError(client.scheduleKeyDeletion({ KeyId: first.KeyId! }), 'AccessDeniedException');
    await expectKmsError(client.putKeyPolicy({ KeyId: first.KeyId!, Policy: policyWith(), BypassPolicyLockoutSafetyCheck: true }), 'AccessDeniedException');
    await expectKmsError(client.tagResource({ KeyId: first.KeyId!, Tags: [{ TagKey: 'k', TagValue: 'v' }] }), 'AccessDeniedException');
    await expectKmsError(client.deleteAlias({ AliasName: 'alias/aws/s3' }), 'NotAuthorizedException');
    assert.equal((await client.describeKey({ KeyId: first.KeyId })).KeyMetadata!.KeyState, 'Enabled');
  });

  test('an unknown alias/aws/ name is not found', async () => {
    await expectKmsError(root().describeKey({ KeyId: 'alias/aws/no-such-service' }), 'NotFoundException');
  });
});

