import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeInput, outputJson } from '../../shared/protocol/validation.js';
import { model } from '../../shared/model/model.js';
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

test('output encoding: blobs to base64, dates to epoch seconds, undefined and null dropped, valid JSON for any text', () => {
  const view = new Uint8Array(Buffer.from('xxhiyy').buffer, Buffer.from('xxhiyy').byteOffset + 2, 2);
  assert.equal(
    outputJson({ A: Buffer.from('hi'), B: new Date(1500), C: undefined, N: null, D: [{ E: 1, F: true }, undefined], V: view, T: 'quote " \\ \n \u2028 \ud800' }),
    '{"A":"aGk=","B":1.5,"D":[{"E":1,"F":true},null],"V":"aGk=","T":' + JSON.stringify('quote " \\ \n \u2028 \ud800') + '}',
  );
  const keys = { 'a"b': 'x', '\\': 'y', '': 'z' };
  assert.deepEqual(JSON.parse(outputJson({ EncryptionContext: keys })), { EncryptionContext: keys });
  assert.equal(outputJson({}), '{}');
});

test("an output shape's encoder writes exactly what the generic walk writes, for every operation's output", () => {
  // A value for each shape, from the model: every member set, of the type the model says (and some not).
  const sample = (name: string, depth: number): unknown => {
    const s = model.shapes[name]!;
    switch (s.type) {
      case 'structure':
        return depth > 3 ? {} : Object.fromEntries(Object.entries(s.members ?? {}).map(([member, ref]) => [member, sample(ref.shape, depth + 1)]));
      case 'string': return s.enum ? s.enum[0] : `v "${name}" \u2028 ü`;
      case 'blob': return Buffer.from(name);
      case 'timestamp': return new Date(1_700_000_000_500);
      case 'boolean': return true;
      case 'list': return depth > 3 ? [] : [sample(s.member!.shape, depth + 1), undefined];
      case 'map': return { ['__proto__']: 'p', [`k"${name}`]: sample(s.value!.shape, depth + 1) };
      default: return 7;
    }
  };
  let compared = 0;
  for (const [operation, spec] of Object.entries(model.operations)) {
    if (!spec.output) continue;
    const value = sample(spec.output, 0) as Record<string, unknown>;
    // Members the model lacks, absent ones, and values of another type go through too.
    const odd = { ...value, Unmodelled: { A: [1, null] }, Missing: undefined, Nothing: null };
    for (const output of [value, odd, {}]) {
      assert.equal(outputJson(output, spec.output), outputJson(output), operation);
      compared++;
    }
  }
  assert.ok(compared >= 100, `${compared} outputs compared`);
  // A string where the model says blob, a Buffer where it says string: written as their values are.
  assert.equal(outputJson({ CiphertextBlob: 'text', KeyId: Buffer.from('id') }, 'EncryptResponse'), '{"CiphertextBlob":"text","KeyId":"aWQ="}');
});

test('map keys that are Object.prototype members stay keys, in and out', () => {
  const body = JSON.parse('{"KeyId":"k","Plaintext":"aGk=","EncryptionContext":{"__proto__":"a","constructor":"b","toString":"c"}}');
  const input = decodeInput<{ EncryptionContext: Record<string, string> }>('EncryptRequest', body);
  assert.deepEqual(Object.keys(input.EncryptionContext).sort(), ['__proto__', 'constructor', 'toString']);
  // Nothing inherited: a name the client did not send is not there.
  assert.equal('valueOf' in input.EncryptionContext, false);
  assert.equal('hasOwnProperty' in input.EncryptionContext, false);
  assert.equal(outputJson({ EncryptionContext: input.EncryptionContext }), '{"EncryptionContext":{"__proto__":"a","constructor":"b","toString":"c"}}');
});

test('blobs must be standard padded base64', () => {
  for (const bad of ['AAA', 'A===', 'AB=C', '====', 'AA=A', 'AAAA====', 'AA-_']) {
    assert.equal(error(() => decodeInput('EncryptRequest', { KeyId: 'k', Plaintext: bad })).type, 'SerializationException', bad);
  }
  for (const [good, bytes] of [['AA==', 1], ['AAA=', 2], ['AAAA', 3]] as const) {
    assert.equal(decodeInput<{ Plaintext: Buffer }>('EncryptRequest', { KeyId: 'k', Plaintext: good }).Plaintext.length, bytes);
  }
});

test('a blob is accepted exactly when it is standard padded base64, and decodes to its bytes (differential, random texts)', () => {
  // The definition, as a regular expression: whole 4-character groups of the standard alphabet, padding only at the end.
  const standard = (text: string) => text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\t.é\u0000\u2028*%';
  let seed = 42;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  const noise = (length: number) => Array.from({ length }, () => alphabet[random(alphabet.length)]).join('');
  for (let i = 0; i < 30_000; i++) {
    const valid = Buffer.from(Array.from({ length: random(24) }, () => random(256))).toString('base64');
    const at = random(valid.length + 1);
    const text = i % 3 === 0 ? noise(random(14)) : i % 3 === 1 ? valid : valid.slice(0, at) + noise(random(3)) + valid.slice(at + random(2));
    let decoded: Buffer | undefined;
    try {
      decoded = decodeInput<{ Plaintext: Buffer }>('EncryptRequest', { KeyId: 'k', Plaintext: text }).Plaintext;
    } catch (e) {
      if (!(e instanceof KmsError) || e.name !== 'SerializationException' && e.name !== 'ValidationException') throw e;
      if (e.name === 'ValidationException') decoded = Buffer.alloc(0); // a valid but empty (too short) blob
    }
    assert.equal(decoded !== undefined, standard(text), JSON.stringify(text));
    if (decoded && decoded.length > 0) assert.deepEqual(decoded, Buffer.from(text, 'base64'), JSON.stringify(text));
  }
});
