/**
 * Tags over HTTP with the AWS SDK: TagResource, UntagResource, ListResourceTags and tags at CreateKey.
 * Expectations follow real AWS KMS (KMS-REFERENCE §1, §3, §4); sources are noted per assertion.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Tag } from '@aws-sdk/client-kms';
import {
  createAlias,
  createKey,
  expectClientError,
  expectKmsError,
  keyArn,
  kms,
  listAllTags,
  tagMap,
  unknownKeyId,
  validationMessage,
} from './helpers.js';

const pendingDeletion = (arn: string) => `${arn} is pending deletion.`;
const RESERVED = 'Tags beginning with aws: are reserved';

function manyTags(count: number, prefix = 'k'): Tag[] {
  return Array.from({ length: count }, (_, i) => ({ TagKey: `${prefix}${i}`, TagValue: `v${i}` }));
}

async function tagsOf(keyId: string): Promise<Record<string, string | undefined>> {
  return tagMap((await listAllTags(keyId)).items);
}

describe('TagResource, UntagResource and ListResourceTags', () => {
  test('a new key has no tags', async () => {
    const md = await createKey();
    const out = await kms().listResourceTags({ KeyId: md.KeyId });
    assert.deepEqual(out.Tags, []);
    assert.equal(out.Truncated, false);
    assert.equal(out.NextMarker, undefined);
  });

  test('tags added with TagResource are listed; an empty value is allowed [doc]', async () => {
    const md = await createKey();
    await kms().tagResource({
      KeyId: md.KeyId,
      Tags: [
        { TagKey: 'tag1', TagValue: 'value1' },
        { TagKey: 'tag2', TagValue: 'value2' },
        { TagKey: 'blank', TagValue: '' },
      ],
    });
    assert.deepEqual(await tagsOf(md.KeyId!), { tag1: 'value1', tag2: 'value2', blank: '' });
    const out = await kms().listResourceTags({ KeyId: md.KeyId });
    assert.equal(out.Truncated, false);
    for (const tag of out.Tags ?? []) assert.deepEqual(Object.keys(tag).sort(), ['TagKey', 'TagValue']);
  });

  test('re-tagging an existing key replaces its value and keeps the others [obs]', async () => {
    const md = await createKey({
      Tags: [
        { TagKey: 'tag1', TagValue: 'value1' },
        { TagKey: 'tag2', TagValue: 'value2' },
        { TagKey: 'tag3', TagValue: 'value3' },
      ],
    });
    await kms().tagResource({
      KeyId: md.KeyId,
      Tags: [
        { TagKey: 'tag4', TagValue: 'value4' },
        { TagKey: 'tag2', TagValue: 'updated_value2' },
        { TagKey: 'tag5', TagValue: 'value5' },
      ],
    });
    assert.deepEqual(await tagsOf(md.KeyId!), {
      tag1: 'value1',
      tag2: 'updated_value2',
      tag3: 'value3',
      tag4: 'value4',
      tag5: 'value5',
    });
  });

  test('UntagResource removes only the named keys [obs]; all of them leaves an empty list', async () => {
    const md = await createKey({
      Tags: [
        { TagKey: 'tag1', TagValue: 'value1' },
        { TagKey: 'tag2', TagValue: 'value2' },
        { TagKey: 'tag3', TagValue: 'value3' },
      ],
    });
    await kms().untagResource({ KeyId: md.KeyId, TagKeys: ['tag2'] });
    assert.deepEqual(await tagsOf(md.KeyId!), { tag1: 'value1', tag3: 'value3' });
    await kms().untagResource({ KeyId: md.KeyId, TagKeys: ['tag1', 'tag3'] });
    assert.deepEqual(await tagsOf(md.KeyId!), {});
  });

  test('tag keys are case-sensitive', async () => {
    const md = await createKey();
    await kms().tagResource({
      KeyId: md.KeyId,
      Tags: [
        { TagKey: 'Env', TagValue: 'upper' },
        { TagKey: 'env', TagValue: 'lower' },
      ],
    });
    assert.deepEqual(await tagsOf(md.KeyId!), { Env: 'upper', env: 'lower' });
    await kms().untagResource({ KeyId: md.KeyId, TagKeys: ['env'] });
    assert.deepEqual(await tagsOf(md.KeyId!), { Env: 'upper' });
  });

  test('all three operations accept the key ARN', async () => {
    const md = await createKey();
    await kms().tagResource({ KeyId: md.Arn, Tags: [{ TagKey: 'a', TagValue: '1' }, { TagKey: 'b', TagValue: '2' }] });
    assert.deepEqual(tagMap((await kms().listResourceTags({ KeyId: md.Arn })).Tags ?? []), { a: '1', b: '2' });
    await kms().untagResource({ KeyId: md.Arn, TagKeys: ['a'] });
    assert.deepEqual(await tagsOf(md.Arn!), { b: '2' });
  });

  test('tags belong to one key only', async () => {
    const a = await createKey({ Tags: [{ TagKey: 'owner', TagValue: 'a' }] });
    const b = await createKey({ Tags: [{ TagKey: 'owner', TagValue: 'b' }] });
    await kms().untagResource({ KeyId: a.KeyId, TagKeys: ['owner'] });
    assert.deepEqual(await tagsOf(a.KeyId!), {});
    assert.deepEqual(await tagsOf(b.KeyId!), { owner: 'b' });
  });

  test('pagination: Limit 2 over five tags walks at least three pages, NextMarker only when Truncated', async () => {
    const tags = manyTags(5);
    const md = await createKey({ Tags: tags });
    const first = await kms().listResourceTags({ KeyId: md.KeyId, Limit: 2 });
    assert.ok((first.Tags ?? []).length <= 2);
    assert.equal(first.Truncated, true);
    assert.ok(first.NextMarker);
    const { items, pages } = await listAllTags(md.KeyId!, undefined, 2);
    assert.ok(pages >= 3, `expected at least 3 pages, got ${pages}`);
    assert.equal(items.length, 5, 'each tag listed exactly once');
    assert.deepEqual(tagMap(items), tagMap(tags));
  });

  test('ListResourceTags Limit 50 is accepted, 51 is rejected (service range 1..50; exception name inferred, message unverified)', async () => {
    const md = await createKey({ Tags: manyTags(3) });
    const out = await kms().listResourceTags({ KeyId: md.KeyId, Limit: 50 });
    assert.equal(out.Tags?.length, 3);
    await expectKmsError(kms().listResourceTags({ KeyId: md.KeyId, Limit: 51 }), 'ValidationException');
  });

  test('a Marker that was never issued is InvalidMarkerException (model; message unverified)', async () => {
    const md = await createKey({ Tags: manyTags(3) });
    await expectKmsError(kms().listResourceTags({ KeyId: md.KeyId, Marker: 'bogus-marker' }), 'InvalidMarkerException');
  });

  test('an unknown key is NotFoundException for all three operations', async () => {
    const id = unknownKeyId();
    const message = `Key '${keyArn(id)}' does not exist`;
    await expectKmsError(kms().tagResource({ KeyId: id, Tags: [{ TagKey: 'a', TagValue: 'b' }] }), 'NotFoundException', message);
    await expectKmsError(kms().untagResource({ KeyId: id, TagKeys: ['a'] }), 'NotFoundException', message);
    await expectKmsError(kms().listResourceTags({ KeyId: id }), 'NotFoundException', message);
  });

  test('an alias cannot be tagged or name the key for tagging (exception unverified)', async () => {
    // TagResource/UntagResource/ListResourceTags take key ID or key ARN only (§1; "you cannot tag ... an alias").
    const md = await createKey();
    const alias = await createAlias(md.KeyId!);
    await expectClientError(kms().tagResource({ KeyId: alias, Tags: [{ TagKey: 'a', TagValue: 'b' }] }));
    assert.deepEqual(await tagsOf(md.KeyId!), {});
  });
});

describe('tag rules', () => {
  test('keys beginning with aws: (any case) are TagException "Tags beginning with aws: are reserved" [obs]', async () => {
    for (const key of ['aws:key1', 'AWS:key1', 'Aws:key1']) {
      await expectKmsError(kms().createKey({ Tags: [{ TagKey: key, TagValue: 'v' }] }), 'TagException', RESERVED);
    }
    const md = await createKey();
    await expectKmsError(kms().tagResource({ KeyId: md.KeyId, Tags: [{ TagKey: 'aws:key1', TagValue: 'value1' }] }), 'TagException', RESERVED);
    await expectKmsError(kms().tagResource({ KeyId: md.KeyId, Tags: [{ TagKey: 'AWS:key1', TagValue: 'value1' }] }), 'TagException', RESERVED);
    assert.deepEqual(await tagsOf(md.KeyId!), {});
  });

  test('"aws" without the colon, or aws: later in the key, is an ordinary tag', async () => {
    const md = await createKey({ Tags: [{ TagKey: 'aws-team', TagValue: 'x' }, { TagKey: 'team:aws:x', TagValue: 'y' }] });
    assert.deepEqual(await tagsOf(md.KeyId!), { 'aws-team': 'x', 'team:aws:x': 'y' });
  });

  test('duplicate tag keys in one request are TagException "Duplicate tag keys" [obs]', async () => {
    const md = await createKey();
    const dup = [
      { TagKey: 'tag1', TagValue: 'value1' },
      { TagKey: 'tag1', TagValue: 'another-value1' },
    ];
    await expectKmsError(kms().tagResource({ KeyId: md.KeyId, Tags: dup }), 'TagException', 'Duplicate tag keys');
    assert.deepEqual(await tagsOf(md.KeyId!), {});
    // Same rule at CreateKey (inferred: same validation).
    await expectKmsError(kms().createKey({ Tags: dup }), 'TagException', 'Duplicate tag keys');
  });

  test('51 tags at CreateKey is TagException "Too many tags" [obs]; 50 is accepted', async () => {
    await expectKmsError(kms().createKey({ Tags: manyTags(51) }), 'TagException', 'Too many tags');
    const md = await createKey({ Tags: manyTags(50) });
    assert.equal((await listAllTags(md.KeyId!)).items.length, 50);
  });

  test('51 tags in one TagResource call is TagException (inferred from CreateKey [obs]; message not checked)', async () => {
    const md = await createKey();
    await expectKmsError(kms().tagResource({ KeyId: md.KeyId, Tags: manyTags(51) }), 'TagException');
    assert.deepEqual(await tagsOf(md.KeyId!), {});
  });

  test('a 129-character tag key or 257-character value is the [obs] ValidationException at tags.N.member', async () => {
    const longKey = 'a'.repeat(129);
    await expectKmsError(
      kms().createKey({ Tags: [{ TagKey: longKey, TagValue: 'value1' }] }),
      'ValidationException',
      validationMessage('tags.1.member.tagKey', longKey, 'have length less than or equal to 128'),
    );
    const longValue = 'v'.repeat(257);
    await expectKmsError(
      kms().createKey({ Tags: [{ TagKey: 'tag1', TagValue: longValue }] }),
      'ValidationException',
      validationMessage('tags.1.member.tagValue', longValue, 'have length less than or equal to 256'),
    );
    const md = await createKey();
    // Second element: the index is 1-based (§2).
    await expectKmsError(
      kms().tagResource({ KeyId: md.KeyId, Tags: [{ TagKey: 'ok', TagValue: 'ok' }, { TagKey: longKey, TagValue: 'x' }] }),
      'ValidationException',
      validationMessage('tags.2.member.tagKey', longKey, 'have length less than or equal to 128'),
    );
  });

  test('a 128-character key and 256-character value are accepted', async () => {
    const key = 'k'.repeat(128);
    const value = 'v'.repeat(256);
    const md = await createKey({ Tags: [{ TagKey: key, TagValue: value }] });
    assert.deepEqual(await tagsOf(md.KeyId!), { [key]: value });
  });
});

describe('tags and key states', () => {
  test('a Disabled key can be tagged, untagged and listed', async () => {
    const md = await createKey();
    await kms().disableKey({ KeyId: md.KeyId });
    await kms().tagResource({ KeyId: md.KeyId, Tags: [{ TagKey: 'state', TagValue: 'disabled' }] });
    assert.deepEqual(await tagsOf(md.KeyId!), { state: 'disabled' });
    await kms().untagResource({ KeyId: md.KeyId, TagKeys: ['state'] });
    assert.deepEqual(await tagsOf(md.KeyId!), {});
  });

  test('a PendingDeletion key refuses TagResource and UntagResource with "<arn> is pending deletion." but still lists its tags', async () => {
    const md = await createKey({ Tags: [{ TagKey: 'keep', TagValue: 'me' }] });
    await kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    const message = pendingDeletion(md.Arn!);
    await expectKmsError(
      kms().tagResource({ KeyId: md.KeyId, Tags: [{ TagKey: 'new', TagValue: 'x' }] }),
      'KMSInvalidStateException',
      message,
    );
    await expectKmsError(kms().untagResource({ KeyId: md.KeyId, TagKeys: ['keep'] }), 'KMSInvalidStateException', message);
    assert.deepEqual(await tagsOf(md.KeyId!), { keep: 'me' });
    // Tags survive CancelKeyDeletion.
    await kms().cancelKeyDeletion({ KeyId: md.KeyId });
    assert.deepEqual(await tagsOf(md.KeyId!), { keep: 'me' });
  });
});
