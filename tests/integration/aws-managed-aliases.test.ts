/**
 * ListAliases and the predefined AWS managed aliases (KMS-REFERENCE §12): without KeyId, every account's
 * listing shows `alias/aws/<service>` for each service with a predefined AWS managed key, even before that
 * key exists (AliasName and AliasArn only, no TargetKeyId or dates). Once the key exists (the first request
 * naming the alias creates it), the entry is the real alias with its TargetKeyId, listed once. Terraform's
 * `data "aws_kms_alias"` relies on this: it pages through ListAliases {} looking for the name.
 *
 * Each test uses account 444455556666 (carol) in a region no other test file uses, so it sees a fresh
 * account whose only aliases are the predefined ones and its own.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { AliasListEntry, KMS } from '@aws-sdk/client-kms';
import { expectKmsError, walkPages } from './helpers.js';
import { ACCOUNT_B, clientFor, signedCall } from './principals.js';

/** A sample of services with a predefined AWS managed key in every commercial region. */
const SAMPLE = ['alias/aws/s3', 'alias/aws/ebs', 'alias/aws/lambda', 'alias/aws/rds', 'alias/aws/secretsmanager', 'alias/aws/sqs'];

const arnOf = (region: string, aliasName: string) => `arn:aws:kms:${region}:${ACCOUNT_B}:${aliasName}`;

async function listAll(client: KMS, limit?: number) {
  return walkPages(async (marker) => {
    const out = await client.listAliases({ Limit: limit, Marker: marker });
    return { items: out.Aliases, NextMarker: out.NextMarker, Truncated: out.Truncated };
  }, limit);
}

function assertSortedAndUnique(items: AliasListEntry[]): void {
  const names = items.map((a) => a.AliasName!);
  assert.equal(new Set(names).size, names.length, `an alias is listed twice: ${names.join(', ')}`);
  assert.deepEqual(names, [...names].sort(), 'aliases are listed in AliasName order');
}

function assertPredefinedOnly(entry: AliasListEntry | undefined, region: string, name: string): void {
  assert.ok(entry, `${name} is listed`);
  assert.equal(entry.AliasArn, arnOf(region, name));
  assert.equal(entry.TargetKeyId, undefined, `${name}: no TargetKeyId before the key exists`);
  assert.equal(entry.CreationDate, undefined, `${name}: no CreationDate before the key exists`);
  assert.equal(entry.LastUpdatedDate, undefined, `${name}: no LastUpdatedDate before the key exists`);
}

async function customerAlias(client: KMS, aliasName: string): Promise<string> {
  const key = (await client.createKey({})).KeyMetadata!;
  await client.createAlias({ AliasName: aliasName, TargetKeyId: key.KeyId });
  return key.KeyId!;
}

describe('ListAliases and predefined AWS managed aliases', () => {
  test('a fresh account lists the predefined alias/aws/ aliases with AliasName and AliasArn only', async () => {
    const region = 'us-west-1';
    const client = clientFor('carol', region);
    const { items } = await listAll(client);
    assertSortedAndUnique(items);
    for (const name of SAMPLE) assertPredefinedOnly(items.find((a) => a.AliasName === name), region, name);
    for (const entry of items) {
      assert.match(entry.AliasName!, /^alias\/aws\/[a-z0-9]+$/, 'a fresh account has only predefined aliases');
      assertPredefinedOnly(entry, region, entry.AliasName!);
    }
    assert.ok(items.length <= 50, 'the default Limit is 50');

    // On the wire, the entry has exactly the two members (no nulls for the others).
    const raw = await signedCall('carol', 'ListAliases', {}, { region });
    assert.equal(raw.status, 200, raw.text);
    const s3 = (raw.json?.Aliases as Record<string, unknown>[]).find((a) => a.AliasName === 'alias/aws/s3');
    assert.deepEqual(s3, { AliasName: 'alias/aws/s3', AliasArn: arnOf(region, 'alias/aws/s3') });
    assert.equal(raw.json?.Truncated, false);
    assert.ok(!('NextMarker' in (raw.json ?? {})));

    // Listing does not create the keys.
    assert.deepEqual((await client.listKeys({})).Keys, []);
  });

  test('once the AWS managed key exists, its alias is listed once, with TargetKeyId and dates', async () => {
    const region = 'us-east-2';
    const client = clientFor('carol', region);
    assertPredefinedOnly((await listAll(client)).items.find((a) => a.AliasName === 'alias/aws/s3'), region, 'alias/aws/s3');

    const before = Date.now();
    const key = (await client.describeKey({ KeyId: 'alias/aws/s3' })).KeyMetadata!;
    assert.equal(key.KeyManager, 'AWS');

    const { items } = await listAll(client);
    assertSortedAndUnique(items);
    const s3 = items.filter((a) => a.AliasName === 'alias/aws/s3');
    assert.equal(s3.length, 1, 'alias/aws/s3 is listed once');
    assert.equal(s3[0]!.AliasArn, arnOf(region, 'alias/aws/s3'));
    assert.equal(s3[0]!.TargetKeyId, key.KeyId);
    assert.ok(s3[0]!.CreationDate instanceof Date && s3[0]!.CreationDate.getTime() >= before - 5 * 60_000);
    assert.ok(s3[0]!.LastUpdatedDate instanceof Date);
    for (const name of SAMPLE.filter((n) => n !== 'alias/aws/s3')) {
      assertPredefinedOnly(items.find((a) => a.AliasName === name), region, name);
    }

    // With KeyId: only that key's aliases, as before.
    const ofKey = await client.listAliases({ KeyId: key.KeyId });
    assert.deepEqual(ofKey.Aliases!.map((a) => [a.AliasName, a.TargetKeyId]), [['alias/aws/s3', key.KeyId]]);
    assert.equal(ofKey.Truncated, false);
  });

  test('customer aliases interleave in name order, and every Limit walks each entry exactly once', async () => {
    const region = 'ap-southeast-1';
    const client = clientFor('carol', region);
    const id = randomUUID();
    // '-' sorts before '/', so alias/aws-… comes just before the alias/aws/… run; alias/b… just after it.
    const customer = [`alias/a-${id}`, `alias/aws-${id}`, `alias/b-${id}`, `alias/zz-${id}`];
    const targets = new Map<string, string>();
    for (const name of customer) targets.set(name, await customerAlias(client, name));
    const sqsKey = (await client.describeKey({ KeyId: 'alias/aws/sqs' })).KeyMetadata!.KeyId!;

    const all = (await listAll(client, 100)).items;
    assertSortedAndUnique(all);
    const names = all.map((a) => a.AliasName!);
    const predefined = names.filter((n) => n.startsWith('alias/aws/'));
    for (const name of SAMPLE) assert.ok(predefined.includes(name), `${name} listed`);
    assert.deepEqual(names, [customer[0], customer[1], ...predefined, customer[2], customer[3]]);
    for (const entry of all) {
      if (entry.AliasName === 'alias/aws/sqs') assert.equal(entry.TargetKeyId, sqsKey);
      else if (entry.AliasName!.startsWith('alias/aws/')) assertPredefinedOnly(entry, region, entry.AliasName!);
      else assert.equal(entry.TargetKeyId, targets.get(entry.AliasName!));
    }

    const expected = all.map((a) => [a.AliasName, a.TargetKeyId]);
    for (const limit of [1, 2, 3, 7, undefined]) {
      const { items, pages } = await listAll(client, limit);
      assert.deepEqual(items.map((a) => [a.AliasName, a.TargetKeyId]), expected, `Limit ${limit}`);
      if (limit !== undefined) assert.equal(pages, Math.ceil(expected.length / limit), `Limit ${limit}: page count`);
    }

    // With KeyId, no predefined entries.
    const ofKey = await client.listAliases({ KeyId: targets.get(customer[2]!) });
    assert.deepEqual(ofKey.Aliases!.map((a) => a.AliasName), [customer[2]]);
  });

  test('Limit 0 and 101 are ValidationException, a marker we did not issue is InvalidMarkerException', async () => {
    const client = clientFor('carol', 'us-west-1');
    await expectKmsError(client.listAliases({ Limit: 0 }), 'ValidationException');
    await expectKmsError(client.listAliases({ Limit: 101 }), 'ValidationException');
    await expectKmsError(client.listAliases({ Marker: 'not-a-marker-we-issued' }), 'InvalidMarkerException');
    await expectKmsError(client.listAliases({ Marker: 'bm90LWEtbWFya2Vy' }), 'InvalidMarkerException');
  });
});
