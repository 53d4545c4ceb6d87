import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeInput, encodeOutput } from '../../shared/protocol/validation.js';
import { KmsError } from '../../shared/errors.js';

function error(fn: () => unknown): KmsError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof KmsError, `expected a KmsError, got ${e}`);
    return e;
  }
  assert.fail('expected an error');
}

test('a sensitive blob over its limit is reported without its value, in AWS words', () => {
  const e = error(() => decodeInput('EncryptRequest', { KeyId: 'k', Plaintext: Buffer.alloc(4097).toString('base64') }));
  assert.equal(e.type, 'ValidationException');
  assert.equal(
    e.message,
    "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096",
  );
});

test('a missing required member is "Value null ... must not be null"', () => {
  const e = error(() => decodeInput('DescribeKeyRequest', {}));
  assert.equal(e.message, "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");
});

test('several failures are counted and joined with "; "', () => {
  const e = error(() => decodeInput('EncryptRequest', { KeyId: '', EncryptionAlgorithm: 'ROT13' }));
  assert.match(e.message, /^3 validation errors detected: /);
  assert.match(e.message, /Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1/);
  assert.match(e.message, /Value 'ROT13' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: \[SYMMETRIC_DEFAULT, /);
  assert.match(e.message, /Value null at 'plaintext' failed to satisfy constraint: Member must not be null/);
});

test('list members are addressed as name.N.member.field', () => {
  const e = error(() => decodeInput('TagResourceRequest', { KeyId: 'k', Tags: [{ TagKey: 'ok', TagValue: '' }, { TagKey: 'x'.repeat(129), TagValue: 'v' }] }));
  assert.match(e.message, /at 'tags\.2\.member\.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128/);
});

test('integer ranges and regular expressions use the model constraints', () => {
  assert.match(error(() => decodeInput('GenerateRandomRequest', { NumberOfBytes: 1025 })).message, /Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024/);
  assert.match(
    error(() => decodeInput('CreateAliasRequest', { AliasName: 'alias/bad name', TargetKeyId: 'k' })).message,
    /Value 'alias\/bad name' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: \^\[a-zA-Z0-9:\/_-\]\+\$/,
  );
});

test('wrong JSON types are SerializationExceptions, not validation errors or crashes', () => {
  for (const body of [{ NumberOfBytes: '12' }, { NumberOfBytes: 1.5 }, { NumberOfBytes: true }]) {
    assert.equal(error(() => decodeInput('GenerateRandomRequest', body)).type, 'SerializationException');
  }
  assert.equal(error(() => decodeInput('EncryptRequest', { KeyId: 1, Plaintext: 'AA==' })).type, 'SerializationException');
  assert.equal(error(() => decodeInput('EncryptRequest', { KeyId: 'k', Plaintext: 'not base64!' })).type, 'SerializationException');
  assert.equal(error(() => decodeInput('EncryptRequest', { KeyId: 'k', Plaintext: 'AA==', EncryptionContext: { a: 1 } })).type, 'SerializationException');
  assert.equal(error(() => decodeInput('TagResourceRequest', { KeyId: 'k', Tags: {} })).type, 'SerializationException');
});

test('blobs are decoded, unknown members ignored, nulls treated as absent', () => {
  const input = decodeInput<{ Plaintext: Buffer; KeyId: string; Extra?: unknown; EncryptionContext?: unknown }>('EncryptRequest', {
    KeyId: 'k',
    Plaintext: Buffer.from('hi').toString('base64'),
    Extra: 1,
    EncryptionContext: null,
  });
  assert.deepEqual(input, { KeyId: 'k', Plaintext: Buffer.from('hi') });
});

test('output encoding: blobs to base64, dates to epoch seconds, undefined dropped', () => {
  assert.deepEqual(JSON.parse(JSON.stringify(encodeOutput({ A: Buffer.from('hi'), B: new Date(1500), C: undefined, D: [{ E: 1 }] }))), {
    A: 'aGk=',
    B: 1.5,
    D: [{ E: 1 }],
  });
});

test('map keys that are Object.prototype members stay keys, in and out', () => {
  const body = JSON.parse('{"KeyId":"k","Plaintext":"aGk=","EncryptionContext":{"__proto__":"a","constructor":"b","toString":"c"}}');
  const input = decodeInput<{ EncryptionContext: Record<string, string> }>('EncryptRequest', body);
  assert.deepEqual(Object.keys(input.EncryptionContext).sort(), ['__proto__', 'constructor', 'toString']);
  assert.equal(Object.getPrototypeOf(input.EncryptionContext), null);
  assert.equal(JSON.stringify(encodeOutput({ EncryptionContext: input.EncryptionContext })), '{"EncryptionContext":{"__proto__":"a","constructor":"b","toString":"c"}}');
});

test('blobs must be standard padded base64', () => {
  for (const bad of ['AAA', 'A===', 'AB=C', '====', 'AA=A', 'AAAA====', 'AA-_']) {
    assert.equal(error(() => decodeInput('EncryptRequest', { KeyId: 'k', Plaintext: bad })).type, 'SerializationException', bad);
  }
  for (const [good, bytes] of [['AA==', 1], ['AAA=', 2], ['AAAA', 3]] as const) {
    assert.equal(decodeInput<{ Plaintext: Buffer }>('EncryptRequest', { KeyId: 'k', Plaintext: good }).Plaintext.length, bytes);
  }
});
