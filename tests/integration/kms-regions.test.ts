/**
 * Regions: keys and aliases live in the Region of the request (the SigV4 credential scope, i.e. the SDK
 * client's region) and ARNs name it. A client in another Region sees none of them.
 * Expectations follow real AWS KMS (KMS-REFERENCE §4, [obs] test_get_key_in_different_region).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ACCOUNT,
  OTHER_REGION,
  REGION,
  aliasArn,
  assertBytesEqual,
  createAlias,
  createKey,
  describeKey,
  expectClientError,
  expectKmsError,
  keyArn,
  kms,
  listAllAliases,
  listAllKeys,
  rawCall,
  uniqueAlias,
  utf8,
} from './helpers.js';
import { tableNames } from './table.js';

const THIRD_REGION = 'ap-southeast-2';

describe('Regions', () => {
  test('a key created in eu-west-1 has an eu-west-1 ARN and works there', async () => {
    const md = await createKey({ Description: 'eu key' }, OTHER_REGION);
    assert.equal(md.Arn, `arn:aws:kms:${OTHER_REGION}:${ACCOUNT}:key/${md.KeyId}`);
    assert.equal(md.AWSAccountId, ACCOUNT);
    const described = await describeKey(md.KeyId!, OTHER_REGION);
    assert.equal(described.Arn, md.Arn);

    const enc = await kms(OTHER_REGION).encrypt({ KeyId: md.KeyId, Plaintext: utf8('eu data') });
    assert.equal(enc.KeyId, md.Arn);
    const dec = await kms(OTHER_REGION).decrypt({ CiphertextBlob: enc.CiphertextBlob });
    assert.equal(dec.KeyId, md.Arn);
    assertBytesEqual(dec.Plaintext, utf8('eu data'));

    const gdk = await kms(OTHER_REGION).generateDataKey({ KeyId: md.KeyId, KeySpec: 'AES_256' });
    assert.equal(gdk.KeyId, md.Arn);
    const sched = await kms(OTHER_REGION).scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    assert.equal(sched.KeyId, md.Arn);
    const cancel = await kms(OTHER_REGION).cancelKeyDeletion({ KeyId: md.KeyId });
    assert.equal(cancel.KeyId, md.Arn);
  });

  test('a us-east-1 key ID is unknown in eu-west-1: "Key \'<eu-west-1 ARN>\' does not exist" [obs]', async () => {
    const md = await createKey();
    await expectKmsError(
      kms(OTHER_REGION).describeKey({ KeyId: md.KeyId }),
      'NotFoundException',
      `Key '${keyArn(md.KeyId!, OTHER_REGION)}' does not exist`,
    );
    await expectKmsError(
      kms(OTHER_REGION).encrypt({ KeyId: md.KeyId, Plaintext: utf8('x') }),
      'NotFoundException',
      `Key '${keyArn(md.KeyId!, OTHER_REGION)}' does not exist`,
    );
  });

  test('a key ARN naming another Region is NotFoundException "Invalid arn <region>" [obs]', async () => {
    const md = await createKey();
    await expectKmsError(kms(OTHER_REGION).describeKey({ KeyId: md.Arn }), 'NotFoundException', `Invalid arn ${REGION}`);
    const eu = await createKey({}, OTHER_REGION);
    await expectKmsError(kms().describeKey({ KeyId: eu.Arn }), 'NotFoundException', `Invalid arn ${OTHER_REGION}`);
    // Same resolver for other operations (inferred from DescribeKey [obs]).
    await expectKmsError(
      kms(OTHER_REGION).encrypt({ KeyId: md.Arn, Plaintext: utf8('x') }),
      'NotFoundException',
      `Invalid arn ${REGION}`,
    );
    await expectKmsError(kms(OTHER_REGION).disableKey({ KeyId: md.Arn }), 'NotFoundException', `Invalid arn ${REGION}`);
    assert.equal((await describeKey(md.KeyId!)).KeyState, 'Enabled', 'the us-east-1 key is untouched');
  });

  test('ListKeys in each Region shows only that Region’s keys, with that Region in every KeyArn', async () => {
    const us = await createKey();
    const eu = await createKey({}, OTHER_REGION);
    const usIds = (await listAllKeys(REGION, 1000)).items;
    const euIds = (await listAllKeys(OTHER_REGION, 1000)).items;
    assert.ok(usIds.some((k) => k.KeyId === us.KeyId));
    assert.ok(!usIds.some((k) => k.KeyId === eu.KeyId), 'eu-west-1 key not listed in us-east-1');
    assert.ok(euIds.some((k) => k.KeyId === eu.KeyId));
    assert.ok(!euIds.some((k) => k.KeyId === us.KeyId), 'us-east-1 key not listed in eu-west-1');
    for (const k of euIds) assert.ok(k.KeyArn?.startsWith(`arn:aws:kms:${OTHER_REGION}:${ACCOUNT}:key/`), k.KeyArn);
  });

  test('the same alias name can exist in two Regions, each resolving to its own key [doc]', async () => {
    const us = await createKey();
    const eu = await createKey({}, OTHER_REGION);
    const name = uniqueAlias('both');
    await kms(REGION).createAlias({ AliasName: name, TargetKeyId: us.KeyId });
    await kms(OTHER_REGION).createAlias({ AliasName: name, TargetKeyId: eu.KeyId });
    assert.equal((await describeKey(name, REGION)).KeyId, us.KeyId);
    assert.equal((await describeKey(name, OTHER_REGION)).KeyId, eu.KeyId);

    const euAliases = (await listAllAliases(OTHER_REGION, eu.KeyId)).items;
    assert.deepEqual(euAliases.map((a) => a.AliasArn), [aliasArn(name, OTHER_REGION)]);
    const usAliases = (await listAllAliases(REGION, us.KeyId)).items;
    assert.deepEqual(usAliases.map((a) => a.AliasArn), [aliasArn(name, REGION)]);
  });

  test('an alias made in us-east-1 is unknown in eu-west-1', async () => {
    const us = await createKey();
    const name = await createAlias(us.KeyId!);
    await expectKmsError(kms(OTHER_REGION).describeKey({ KeyId: name }), 'NotFoundException');
    const euAll = (await listAllAliases(OTHER_REGION)).items;
    assert.ok(!euAll.some((a) => a.AliasName === name), 'alias not listed in eu-west-1');
    // Deleting it from the wrong Region fails and leaves it in place.
    await expectKmsError(kms(OTHER_REGION).deleteAlias({ AliasName: name }), 'NotFoundException');
    assert.equal((await describeKey(name)).KeyId, us.KeyId);
  });

  test('an alias ARN naming another Region does not resolve (exception unverified)', async () => {
    const us = await createKey();
    const name = await createAlias(us.KeyId!);
    await expectClientError(kms(OTHER_REGION).describeKey({ KeyId: aliasArn(name, REGION) }));
    await expectClientError(kms(OTHER_REGION).encrypt({ KeyId: aliasArn(name, REGION), Plaintext: utf8('x') }));
  });

  test('ciphertext from a us-east-1 key cannot be decrypted in eu-west-1 (exception unverified; moto: AccessDeniedException)', async () => {
    const us = await createKey();
    const enc = await kms().encrypt({ KeyId: us.KeyId, Plaintext: utf8('stay home') });
    await expectClientError(kms(OTHER_REGION).decrypt({ CiphertextBlob: enc.CiphertextBlob }));
    const eu = await createKey({}, OTHER_REGION);
    await expectClientError(kms(OTHER_REGION).reEncrypt({ CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: eu.KeyId }));
  });

  test('the Region comes from the request signature: a raw request signed for another Region sees that Region', async () => {
    const md = await createKey({}, THIRD_REGION);
    assert.equal(md.Arn, keyArn(md.KeyId!, THIRD_REGION));
    const res = await rawCall('DescribeKey', { KeyId: md.KeyId }, { region: THIRD_REGION });
    assert.equal(res.status, 200, res.text);
    assert.equal((res.json?.KeyMetadata as Record<string, unknown>).Arn, md.Arn);
    const elsewhere = await rawCall('DescribeKey', { KeyId: md.KeyId }, { region: REGION });
    assert.equal(elsewhere.status, 400);
    assert.equal(elsewhere.json?.__type, 'NotFoundException');
  });

  test('a request signed for a region AWS does not have (or of another partition) is refused and makes no table there', async () => {
    for (const region of ['xx-fake-1', 'us-east-9', 'cn-north-1']) {
      await expectKmsError(kms(region).listKeys({}), 'InvalidSignatureException', 'Credential should be scoped to a valid region.');
      await expectKmsError(kms(region).createKey({}), 'InvalidSignatureException', 'Credential should be scoped to a valid region.');
      assert.deepEqual(await tableNames(region), [], region);
    }
  });

  test('tags and key state are per Region: a us-east-1 client cannot touch an eu-west-1 key by ID', async () => {
    const eu = await createKey({ Tags: [{ TagKey: 'region', TagValue: 'eu' }] }, OTHER_REGION);
    const notHere = `Key '${keyArn(eu.KeyId!)}' does not exist`;
    await expectKmsError(kms().listResourceTags({ KeyId: eu.KeyId }), 'NotFoundException', notHere);
    await expectKmsError(kms().disableKey({ KeyId: eu.KeyId }), 'NotFoundException', notHere);
    await expectKmsError(kms().scheduleKeyDeletion({ KeyId: eu.KeyId }), 'NotFoundException', notHere);
    const still = await describeKey(eu.KeyId!, OTHER_REGION);
    assert.equal(still.KeyState, 'Enabled');
    const tags = (await kms(OTHER_REGION).listResourceTags({ KeyId: eu.KeyId })).Tags;
    assert.deepEqual(tags, [{ TagKey: 'region', TagValue: 'eu' }]);
  });
});
