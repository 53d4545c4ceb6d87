import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isKeyId, newKeyId, parseKeyReference } from '../../shared/core/ids.js';
import { decodeMarker, encodeMarker, pageLimit, pageResult } from '../../shared/core/pagination.js';
import { applyTags, removeTags } from '../../shared/core/tags.js';
import { KmsError } from '../../shared/errors.js';

test('new key ids are version-4 UUIDs', () => {
  for (let i = 0; i < 100; i++) {
    const id = newKeyId(randomBytes(16));
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(isKeyId(id));
  }
  assert.ok(isKeyId(`mrk-${'a'.repeat(32)}`));
  assert.ok(!isKeyId('134f2428cec14b25a1ae9048164dba47'), 'a dash-less UUID is not a key id');
});

test('every way of naming a key is classified', () => {
  const id = '1234abcd-12ab-44cd-96ef-1234567890ab';
  assert.deepEqual(parseKeyReference(id), { kind: 'keyId', keyId: id });
  assert.deepEqual(parseKeyReference(`arn:aws:kms:eu-west-1:444455556666:key/${id}`), {
    kind: 'keyArn',
    keyId: id,
    region: 'eu-west-1',
    account: '444455556666',
    partition: 'aws',
  });
  assert.deepEqual(parseKeyReference('alias/app'), { kind: 'aliasName', aliasName: 'alias/app' });
  assert.deepEqual(parseKeyReference('arn:aws:kms:us-east-1:111122223333:alias/app/x'), {
    kind: 'aliasArn',
    aliasName: 'alias/app/x',
    region: 'us-east-1',
    account: '111122223333',
    partition: 'aws',
  });
  // Another partition is classified as such; the resolver finds no key there.
  assert.equal((parseKeyReference(`arn:aws-cn:kms:cn-north-1:444455556666:key/${id}`) as { partition: string }).partition, 'aws-cn');
  for (const bad of ['nope', 'arn:aws:kms:us-east-1:111122223333:key/nope', 'arn:aws:s3:::bucket', '']) {
    assert.equal(parseKeyReference(bad).kind, 'invalid');
  }
});

test('markers round-trip; foreign markers are InvalidMarkerException', () => {
  assert.equal(decodeMarker(encodeMarker('alias/x')), 'alias/x');
  assert.equal(decodeMarker(undefined), undefined);
  for (const bad of ['garbage', 'a b', encodeMarker('').slice(0, 2)]) {
    assert.throws(() => decodeMarker(bad), (e: unknown) => e instanceof KmsError && e.type === 'InvalidMarkerException');
  }
  assert.deepEqual(pageResult([1], undefined), { items: [1], Truncated: false });
  assert.equal(pageResult([1], 'k').Truncated, true);
  assert.equal(pageLimit(undefined, 100, 50), 50);
  assert.throws(() => pageLimit(101, 100, 50), /less than or equal to 100/);
});

test('tag rules', () => {
  assert.deepEqual(applyTags({ a: '1' }, [{ TagKey: 'a', TagValue: '2' }, { TagKey: 'b', TagValue: '' }]), { a: '2', b: '' });
  const tagError = (fn: () => unknown, message: string) =>
    assert.throws(fn, (e: unknown) => e instanceof KmsError && e.type === 'TagException' && e.message === message);
  tagError(() => applyTags({}, [{ TagKey: 'x', TagValue: '1' }, { TagKey: 'x', TagValue: '2' }]), 'Duplicate tag keys');
  tagError(() => applyTags({}, [{ TagKey: 'AWS:x', TagValue: '1' }]), 'Tags beginning with aws: are reserved');
  const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
  tagError(() => applyTags(fifty, [{ TagKey: 'one-more', TagValue: 'v' }]), 'Too many tags');
  assert.deepEqual(removeTags({ a: '1', b: '2' }, ['a', 'missing']), { b: '2' });
});
