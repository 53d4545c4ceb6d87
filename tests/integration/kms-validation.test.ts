/**
 * The wire protocol and input validation, mostly with raw SigV4-signed requests (`rawCall`) because the SDK
 * never sends such input: error body shape, status codes, missing required members, wrong JSON types,
 * malformed JSON, unknown targets, length limits. Nothing here may ever produce a 5xx.
 * Expectations follow real AWS KMS (KMS-REFERENCE §2, §4); what is unverified is said per test.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createKey,
  expectKmsError,
  expectRawError,
  keyArn,
  kms,
  rawCall,
  unknownKeyId,
  utf8,
  validationMessage,
  type RawResponse,
} from './helpers.js';

/** The exception name without a `namespace#` prefix (SDKs accept both forms; §2). */
function errorType(res: RawResponse): string {
  const type = String(res.json?.__type ?? '');
  return type.includes('#') ? type.slice(type.indexOf('#') + 1) : type;
}

function assertClientError(res: RawResponse, what: string): void {
  assert.ok(res.status >= 400 && res.status < 500, `${what}: expected a 4xx, got ${res.status}: ${res.text}`);
  assert.ok(res.json && typeof res.json.__type === 'string' && res.json.__type !== '', `${what}: error body needs __type: ${res.text}`);
  assert.notEqual(errorType(res), 'KMSInternalException', `${what}: internal error`);
}

describe('wire format', () => {
  test('a success is HTTP 200, application/x-amz-json-1.1, with an x-amzn-RequestId header', async () => {
    const res = await rawCall('CreateKey', {});
    assert.equal(res.status, 200, res.text);
    assert.match(res.headers.get('content-type') ?? '', /^application\/x-amz-json-1\.1/);
    assert.ok(res.headers.get('x-amzn-requestid'), 'x-amzn-RequestId header');
    assert.ok(res.json && typeof res.json.KeyMetadata === 'object');
  });

  test('an error is HTTP 400 with {"__type": "<Exception>", "message": "..."} (plain __type, lowercase message)', async () => {
    const id = unknownKeyId();
    const res = await rawCall('DescribeKey', { KeyId: id });
    const body = expectRawError(res, 'NotFoundException', `Key '${keyArn(id)}' does not exist`);
    assert.deepEqual(Object.keys(body).sort(), ['__type', 'message']);
    assert.ok(res.headers.get('x-amzn-requestid'), 'x-amzn-RequestId header on errors too');
  });

  test('InvalidCiphertextException carries no message [obs]', async () => {
    const md = await createKey();
    const enc = await kms().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), EncryptionContext: { a: 'b' } });
    const res = await rawCall('Decrypt', { CiphertextBlob: Buffer.from(enc.CiphertextBlob!).toString('base64') });
    const body = expectRawError(res, 'InvalidCiphertextException');
    assert.ok(body.message === undefined || body.message === '', `expected no message, got ${JSON.stringify(body.message)}`);
  });

  test('blobs travel as standard base64 and timestamps as epoch seconds', async () => {
    const md = await createKey();
    const res = await rawCall('Encrypt', { KeyId: md.KeyId, Plaintext: Buffer.from('wire').toString('base64') });
    assert.equal(res.status, 200, res.text);
    const blob = res.json?.CiphertextBlob;
    assert.equal(typeof blob, 'string');
    assert.match(blob as string, /^[A-Za-z0-9+/]+={0,2}$/, 'standard base64 with padding');
    assert.equal((blob as string).length % 4, 0);
    const dec = await rawCall('Decrypt', { CiphertextBlob: blob });
    assert.equal(dec.status, 200, dec.text);
    assert.equal(Buffer.from(dec.json?.Plaintext as string, 'base64').toString(), 'wire');

    const sched = await rawCall('ScheduleKeyDeletion', { KeyId: md.KeyId, PendingWindowInDays: 7 });
    assert.equal(sched.status, 200, sched.text);
    assert.equal(typeof sched.json?.DeletionDate, 'number');
    assert.equal(sched.json?.KeyState, 'PendingDeletion');
    assert.equal(sched.json?.PendingWindowInDays, 7);
  });

  test('responses carry exactly the members the model defines for a symmetric key (no extras, no nulls)', async () => {
    // Member lists from the API model's output shapes, minus those that apply only to other key types or to
    // Recipient requests (CiphertextForRecipient). KeyMaterialId members: 2025 model, present for symmetric keys.
    const members = (res: RawResponse, what: string) => {
      assert.equal(res.status, 200, `${what}: ${res.text}`);
      for (const [name, value] of Object.entries(res.json ?? {})) assert.notEqual(value, null, `${what}.${name} is null`);
      return Object.keys(res.json ?? {}).sort();
    };
    const create = await rawCall('CreateKey', { Description: 'members' });
    assert.deepEqual(members(create, 'CreateKey'), ['KeyMetadata']);
    const keyId = (create.json?.KeyMetadata as Record<string, unknown>).KeyId as string;
    const dest = await createKey();

    const enc = await rawCall('Encrypt', { KeyId: keyId, Plaintext: 'aGVsbG8=' });
    assert.deepEqual(members(enc, 'Encrypt'), ['CiphertextBlob', 'EncryptionAlgorithm', 'KeyId']);
    const dec = await rawCall('Decrypt', { CiphertextBlob: enc.json?.CiphertextBlob });
    assert.deepEqual(members(dec, 'Decrypt'), ['EncryptionAlgorithm', 'KeyId', 'KeyMaterialId', 'Plaintext']);
    const re = await rawCall('ReEncrypt', { CiphertextBlob: enc.json?.CiphertextBlob, DestinationKeyId: dest.KeyId });
    assert.deepEqual(members(re, 'ReEncrypt'), [
      'CiphertextBlob',
      'DestinationEncryptionAlgorithm',
      'DestinationKeyMaterialId',
      'KeyId',
      'SourceEncryptionAlgorithm',
      'SourceKeyId',
      'SourceKeyMaterialId',
    ]);
    const gdk = await rawCall('GenerateDataKey', { KeyId: keyId, KeySpec: 'AES_256' });
    assert.deepEqual(members(gdk, 'GenerateDataKey'), ['CiphertextBlob', 'KeyId', 'KeyMaterialId', 'Plaintext']);
    const gdkwp = await rawCall('GenerateDataKeyWithoutPlaintext', { KeyId: keyId, NumberOfBytes: 16 });
    assert.deepEqual(members(gdkwp, 'GenerateDataKeyWithoutPlaintext'), ['CiphertextBlob', 'KeyId', 'KeyMaterialId']);
    const random = await rawCall('GenerateRandom', { NumberOfBytes: 8 });
    assert.deepEqual(members(random, 'GenerateRandom'), ['Plaintext']);
    const keys = await rawCall('ListKeys', { Limit: 1 });
    assert.deepEqual(members(keys, 'ListKeys'), ['Keys', 'NextMarker', 'Truncated']);
    assert.deepEqual(Object.keys((keys.json?.Keys as object[])[0]!).sort(), ['KeyArn', 'KeyId']);
    const tags = await rawCall('ListResourceTags', { KeyId: keyId });
    assert.deepEqual(members(tags, 'ListResourceTags'), ['Tags', 'Truncated']);
    const sched = await rawCall('ScheduleKeyDeletion', { KeyId: keyId, PendingWindowInDays: 7 });
    assert.deepEqual(members(sched, 'ScheduleKeyDeletion'), ['DeletionDate', 'KeyId', 'KeyState', 'PendingWindowInDays']);
    const cancel = await rawCall('CancelKeyDeletion', { KeyId: keyId });
    assert.deepEqual(members(cancel, 'CancelKeyDeletion'), ['KeyId']);
  });

  test('members the model does not know are ignored', async () => {
    const md = await createKey();
    const res = await rawCall('DescribeKey', { KeyId: md.KeyId, NotAMember: 1, Another: { deep: true } });
    assert.equal(res.status, 200, res.text);
    assert.equal((res.json?.KeyMetadata as Record<string, unknown>).KeyId, md.KeyId);
  });
});

describe('protocol errors (exact AWS exception names for these are unverified unless noted)', () => {
  test('malformed JSON is a 400 SerializationException, never a 5xx', async () => {
    const res = await rawCall('DescribeKey', '{"KeyId": ');
    assertClientError(res, 'malformed JSON');
    assert.equal(res.status, 400);
    assert.equal(errorType(res), 'SerializationException');
  });

  test('a body that is not a JSON object is a client error', async () => {
    for (const body of ['[]', '"text"', '42', 'null']) {
      assertClientError(await rawCall('DescribeKey', body), `body ${body}`);
    }
  });

  test('an unknown operation is a 400 UnknownOperationException', async () => {
    const res = await rawCall('TrentService.NoSuchOperation', {});
    assertClientError(res, 'unknown target');
    assert.equal(res.status, 400);
    assert.equal(errorType(res), 'UnknownOperationException');
  });

  test('a wrong JSON type is a 400 SerializationException', async () => {
    const md = await createKey();
    const cases: [string, unknown][] = [
      ['DescribeKey', { KeyId: { nested: 'object' } }],
      ['ListKeys', { Limit: 'ten' }],
      ['Encrypt', { KeyId: md.KeyId, Plaintext: ['not', 'a', 'blob'] }],
      ['Encrypt', { KeyId: md.KeyId, Plaintext: 'eA==', EncryptionContext: 'not-a-map' }],
      ['TagResource', { KeyId: md.KeyId, Tags: { TagKey: 'a', TagValue: 'b' } }],
      ['GenerateRandom', { NumberOfBytes: { n: 1 } }],
    ];
    for (const [op, body] of cases) {
      const res = await rawCall(op, body);
      assertClientError(res, `${op} ${JSON.stringify(body)}`);
      assert.equal(res.status, 400);
      assert.equal(errorType(res), 'SerializationException', `${op} ${JSON.stringify(body)}: ${res.text}`);
    }
  });

  test('a blob that is not base64 is a client error', async () => {
    const md = await createKey();
    assertClientError(await rawCall('Encrypt', { KeyId: md.KeyId, Plaintext: '***not base64***' }), 'bad base64');
  });
});

describe('required members and lengths (message format from [obs] ones; exact wording for these inferred)', () => {
  test('a missing KeyId is "Value null at \'keyId\' ... Member must not be null"', async () => {
    for (const op of ['DescribeKey', 'EnableKey', 'DisableKey', 'ScheduleKeyDeletion', 'CancelKeyDeletion', 'ListResourceTags']) {
      expectRawError(await rawCall(op, {}), 'ValidationException', validationMessage('keyId', null, 'not be null'));
    }
  });

  test('Encrypt, GenerateDataKey and CreateAlias without a required member are ValidationException', async () => {
    const md = await createKey();
    expectRawError(
      await rawCall('Encrypt', { Plaintext: 'eA==' }),
      'ValidationException',
      validationMessage('keyId', null, 'not be null'),
    );
    // Plaintext is sensitive, so AWS may leave the value out; only the exception is checked.
    expectRawError(await rawCall('Encrypt', { KeyId: md.KeyId }), 'ValidationException');
    expectRawError(
      await rawCall('GenerateDataKey', { KeySpec: 'AES_256' }),
      'ValidationException',
      validationMessage('keyId', null, 'not be null'),
    );
    expectRawError(
      await rawCall('CreateAlias', { AliasName: 'alias/it-missing-target' }),
      'ValidationException',
      validationMessage('targetKeyId', null, 'not be null'),
    );
    expectRawError(
      await rawCall('UpdateKeyDescription', { KeyId: md.KeyId }),
      'ValidationException',
      validationMessage('description', null, 'not be null'),
    );
    expectRawError(
      await rawCall('TagResource', { KeyId: md.KeyId }),
      'ValidationException',
      validationMessage('tags', null, 'not be null'),
    );
    expectRawError(
      await rawCall('UntagResource', { KeyId: md.KeyId }),
      'ValidationException',
      validationMessage('tagKeys', null, 'not be null'),
    );
    expectRawError(
      await rawCall('ReEncrypt', { CiphertextBlob: 'eA==' }),
      'ValidationException',
      validationMessage('destinationKeyId', null, 'not be null'),
    );
  });

  test('Decrypt without CiphertextBlob (and no DryRun) is a ValidationException', async () => {
    expectRawError(await rawCall('Decrypt', {}), 'ValidationException');
  });

  test('an empty KeyId is a minimum-length ValidationException', async () => {
    await expectKmsError(
      kms().describeKey({ KeyId: '' }),
      'ValidationException',
      validationMessage('keyId', '', 'have length greater than or equal to 1'),
    );
  });

  test('a KeyId longer than 2048 characters is a maximum-length ValidationException', async () => {
    const long = 'k'.repeat(2049);
    await expectKmsError(
      kms().describeKey({ KeyId: long }),
      'ValidationException',
      validationMessage('keyId', long, 'have length less than or equal to 2048'),
    );
  });

  test('a CiphertextBlob over 6144 bytes is a ValidationException (value left out or not: only the constraint is checked)', async () => {
    const error = await expectKmsError(
      kms().decrypt({ CiphertextBlob: new Uint8Array(6145).fill(7) }),
      'ValidationException',
    );
    assert.match(error.message, /'ciphertextBlob' failed to satisfy constraint: Member must have length less than or equal to 6144$/);
  });

  test('an unknown key in any operation is NotFoundException, never a 5xx', async () => {
    const id = unknownKeyId();
    const message = `Key '${keyArn(id)}' does not exist`;
    const calls: [string, Record<string, unknown>][] = [
      ['DescribeKey', { KeyId: id }],
      ['EnableKey', { KeyId: id }],
      ['DisableKey', { KeyId: id }],
      ['UpdateKeyDescription', { KeyId: id, Description: 'x' }],
      ['ScheduleKeyDeletion', { KeyId: id }],
      ['CancelKeyDeletion', { KeyId: id }],
      ['Encrypt', { KeyId: id, Plaintext: 'eA==' }],
      ['GenerateDataKey', { KeyId: id, KeySpec: 'AES_256' }],
      ['GenerateDataKeyWithoutPlaintext', { KeyId: id, NumberOfBytes: 16 }],
      ['TagResource', { KeyId: id, Tags: [{ TagKey: 'a', TagValue: 'b' }] }],
      ['UntagResource', { KeyId: id, TagKeys: ['a'] }],
      ['ListResourceTags', { KeyId: id }],
    ];
    for (const [op, body] of calls) {
      expectRawError(await rawCall(op, body), 'NotFoundException', message);
    }
  });
});
