/**
 * Input an attacker or a fuzzer sends: map keys that are Object.prototype members (`__proto__`,
 * `constructor`, `toString`) are data and stay bound where they belong (the ciphertext's AAD, grant
 * constraints, condition keys, policies); operation names that are prototype members are unknown
 * operations; an ARN of another partition names no key; the local admin route refuses before it reads.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { ACCOUNT, createKey, endpoint, expectRawError, rawCall, REGION } from './helpers.js';
import { PRINCIPALS, signedCall } from './principals.js';

const RESERVED = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty'];

describe('prototype member names in request maps are data', () => {
  for (const name of RESERVED) {
    test(`an encryption context key "${name}" is bound into the ciphertext`, async () => {
      const key = await createKey();
      const encrypted = await rawCall('Encrypt', `{"KeyId":"${key.KeyId}","Plaintext":"aGVsbG8=","EncryptionContext":{"${name}":"tenant-a"}}`);
      assert.equal(encrypted.status, 200, encrypted.text);
      const blob = String(encrypted.json!.CiphertextBlob);
      expectRawError(await rawCall('Decrypt', { CiphertextBlob: blob }), 'InvalidCiphertextException');
      expectRawError(await rawCall('Decrypt', `{"CiphertextBlob":"${blob}","EncryptionContext":{"${name}":"tenant-b"}}`), 'InvalidCiphertextException');
      const decrypted = await rawCall('Decrypt', `{"CiphertextBlob":"${blob}","EncryptionContext":{"${name}":"tenant-a"}}`);
      assert.equal(decrypted.status, 200, decrypted.text);
      assert.equal(decrypted.json!.Plaintext, 'aGVsbG8=');
    });
  }

  test('a grant constraint EncryptionContextSubset {"__proto__": "Fin"} constrains', async () => {
    const key = await createKey();
    const created = await rawCall(
      'CreateGrant',
      `{"KeyId":"${key.KeyId}","GranteePrincipal":"${PRINCIPALS.dave.arn}","Operations":["Encrypt"],"Constraints":{"EncryptionContextSubset":{"__proto__":"Fin"}}}`,
    );
    assert.equal(created.status, 200, created.text);
    const listed = await rawCall('ListGrants', { KeyId: key.KeyId });
    assert.match(listed.text, /"EncryptionContextSubset":\{"__proto__":"Fin"\}/, 'stored with its key');
    const plain = { KeyId: key.Arn, Plaintext: 'aGk=' };
    // dave is of another account: only the grant lets him in (the default policy admits this account only).
    const without = await signedCall('dave', 'Encrypt', plain);
    assert.equal(without.json?.__type, 'AccessDeniedException', `no context: ${without.text}`);
    const other = await signedCall('dave', 'Encrypt', { ...plain, EncryptionContext: { Dept: 'Fin' } });
    assert.equal(other.json?.__type, 'AccessDeniedException', `another context: ${other.text}`);
    const body = `{"KeyId":"${key.Arn}","Plaintext":"aGk=","EncryptionContext":{"__proto__":"Fin"}}`;
    const allowed = await signedCall('dave', 'Encrypt', JSON.parse(body));
    assert.equal(allowed.status, 200, allowed.text);
  });

  test('kms:EncryptionContext:constructor is absent unless the request has it (a Null condition fires)', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'DenyWithoutConstructor',
          Effect: 'Deny',
          Principal: { AWS: PRINCIPALS.alice.arn },
          Action: 'kms:Encrypt',
          Resource: '*',
          Condition: { Null: { 'kms:EncryptionContext:constructor': 'true', 'kms:EncryptionContext:toString': 'true' } },
        },
      ],
    };
    const key = await createKey({ Policy: JSON.stringify(policy) });
    for (const context of [undefined, { Dept: 'Fin' }]) {
      // With a context that lacks the key, an inherited `constructor` must not count as the key's value.
      const denied = await signedCall('alice', 'Encrypt', { KeyId: key.Arn, Plaintext: 'aGk=', ...(context ? { EncryptionContext: context } : {}) });
      assert.equal(denied.json?.__type, 'AccessDeniedException', `${JSON.stringify(context)}: ${denied.text}`);
    }
    const allowed = await signedCall('alice', 'Encrypt', JSON.parse(`{"KeyId":"${key.Arn}","Plaintext":"aGk=","EncryptionContext":{"constructor":"x"}}`));
    assert.equal(allowed.status, 200, allowed.text);
  });

  test('a policy condition key without a vendor prefix (`__proto__`, `Department`) is MalformedPolicyDocumentException', async () => {
    const key = await createKey();
    for (const conditionKey of ['__proto__', 'Department', ':x']) {
      const policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::${ACCOUNT}:root"},"Action":"kms:*","Resource":"*","Condition":{"StringEquals":{"${conditionKey}":"x"}}}]}`;
      expectRawError(
        await rawCall('PutKeyPolicy', { KeyId: key.KeyId, PolicyName: 'default', Policy: policy, BypassPolicyLockoutSafetyCheck: true }),
        'MalformedPolicyDocumentException',
        'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
      );
    }
  });
});

describe('names that are not ours', () => {
  test('an X-Amz-Target naming an Object.prototype member is UnknownOperationException', async () => {
    for (const name of [...RESERVED, 'isPrototypeOf', '__defineGetter__', 'propertyIsEnumerable']) {
      const result = await rawCall(`TrentService.${name}`, {});
      expectRawError(result, 'UnknownOperationException');
    }
  });

  test('a key or alias ARN of another partition names no key', async () => {
    const key = await createKey();
    for (const partition of ['aws-cn', 'aws-us-gov']) {
      expectRawError(await rawCall('DescribeKey', { KeyId: `arn:${partition}:kms:${REGION}:${ACCOUNT}:key/${key.KeyId}` }), 'NotFoundException');
      expectRawError(await rawCall('Encrypt', { KeyId: `arn:${partition}:kms:${REGION}:${ACCOUNT}:key/${key.KeyId}`, Plaintext: 'aGk=' }), 'NotFoundException');
    }
    assert.equal((await rawCall('DescribeKey', { KeyId: key.Arn })).status, 200);
  });
});

describe('the local admin route', () => {
  /** Sends only the headers of a POST that announces `length` bytes, and waits for the answer. */
  function announce(path: string, length: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    const url = new URL(endpoint());
    return new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method: 'POST', path, headers: { 'content-length': String(length), ...headers } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.flushHeaders(); // the body never comes: an answer proves it was not waited for
      setTimeout(() => reject(new Error('no answer without the body')), 5000).unref();
    });
  }

  test('refuses a request without the token before reading its body, and a body over 64 KiB with the token', async () => {
    const path = `${new URL(endpoint()).pathname.replace(/\/$/, '')}/!admin/jobs/rotation`;
    const refused = await announce(path, 96 * 1024 * 1024);
    assert.equal(refused.status, 403);
    assert.match(refused.body, /x-kms-admin-token/);
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const token = readFileSync(join(process.env.KMS_DATA_DIR!, 'admin-token'), 'utf8').trim();
    const tooLarge = await announce(path, 65 * 1024, { 'x-kms-admin-token': token });
    assert.equal(tooLarge.status, 413);
  });
});
