/**
 * Multi-region keys (KMS-REFERENCE §7) across two regions of the local global table: CreateKey
 * MultiRegion, ReplicateKey, DescribeKey's MultiRegionConfiguration, what is shared (key id, material,
 * rotation) and what is per region (state, policy, tags, aliases, description), UpdatePrimaryRegion,
 * deletion of a primary with replicas (PendingReplicaDeletion), and AWS's errors for the rest.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KeyMetadata } from '@aws-sdk/client-kms';
import { ACCOUNT, assertBytesEqual, keyArn, kms, uniqueAlias, utf8 } from './helpers.js';
import { daysFrom, readJsonLines, runJob } from './jobs.js';
import { eventually, MRK_PRIMARY as P, MRK_REPLICA as R, syncReplication } from './regions.js';
import { scanTable, tableNames } from './table.js';
import { importInto } from './import-material.js';
import { randomBytes } from 'node:crypto';

async function createPrimary(description = 'mrk test'): Promise<KeyMetadata> {
  const out = await kms(P).createKey({ MultiRegion: true, Description: description });
  return out.KeyMetadata!;
}

/** A primary in P with a replica in R that R can use (replicated and Enabled there). */
async function createReplicated(): Promise<{ keyId: string; primaryArn: string; replicaArn: string }> {
  const primary = await createPrimary();
  await kms(P).replicateKey({ KeyId: primary.KeyId!, ReplicaRegion: R });
  await syncReplication();
  const replica = await eventually(async () => {
    const { KeyMetadata } = await kms(R).describeKey({ KeyId: primary.KeyId! });
    assert.equal(KeyMetadata!.KeyState, 'Enabled');
    return KeyMetadata!;
  });
  return { keyId: primary.KeyId!, primaryArn: primary.Arn!, replicaArn: replica.Arn! };
}

async function rejects(promise: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, name, `${error.name}: ${error.message}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else if (message) assert.match(error.message, message);
    return true;
  });
}

describe('CreateKey MultiRegion=true', () => {
  it('makes a primary with an mrk- id and a MultiRegionConfiguration without replicas', async () => {
    const key = await createPrimary();
    assert.match(key.KeyId!, /^mrk-[0-9a-f]{32}$/);
    assert.equal(key.MultiRegion, true);
    assert.deepEqual(key.MultiRegionConfiguration, {
      MultiRegionKeyType: 'PRIMARY',
      PrimaryKey: { Arn: keyArn(key.KeyId!, P), Region: P },
      ReplicaKeys: [],
    });
    const described = (await kms(P).describeKey({ KeyId: key.KeyId! })).KeyMetadata!;
    assert.deepEqual(described.MultiRegionConfiguration, key.MultiRegionConfiguration);
  });

  it('gives single-region keys no MultiRegionConfiguration', async () => {
    const key = (await kms(P).createKey({})).KeyMetadata!;
    assert.equal(key.MultiRegion, false);
    assert.equal(key.MultiRegionConfiguration, undefined);
  });
});

describe('ReplicateKey', () => {
  it('answers with the replica Creating, its default policy and its own tags and description', async () => {
    const primary = await createPrimary();
    const out = await kms(P).replicateKey({
      KeyId: primary.Arn!,
      ReplicaRegion: R,
      Description: 'the replica',
      Tags: [{ TagKey: 'site', TagValue: 'south' }],
    });
    const replica = out.ReplicaKeyMetadata!;
    assert.equal(replica.KeyId, primary.KeyId);
    assert.equal(replica.Arn, keyArn(primary.KeyId!, R));
    assert.equal(replica.KeyState, 'Creating');
    assert.equal(replica.Enabled, false);
    assert.equal(replica.Description, 'the replica');
    assert.equal(replica.MultiRegion, true);
    assert.deepEqual(replica.MultiRegionConfiguration, {
      MultiRegionKeyType: 'REPLICA',
      PrimaryKey: { Arn: primary.Arn, Region: P },
      ReplicaKeys: [{ Arn: replica.Arn, Region: R }],
    });
    assert.deepEqual(out.ReplicaTags, [{ TagKey: 'site', TagValue: 'south' }]);
    // At once, without waiting for replication: the primary lists the replica, and the replica exists in its region.
    const [inPrimary, inReplica] = await Promise.all([kms(P).describeKey({ KeyId: primary.KeyId! }), kms(R).describeKey({ KeyId: primary.KeyId! })]);
    assert.deepEqual(inPrimary.KeyMetadata!.MultiRegionConfiguration!.ReplicaKeys, [{ Arn: replica.Arn, Region: R }]);
    assert.equal(inReplica.KeyMetadata!.Arn, replica.Arn);
    assert.equal(inReplica.KeyMetadata!.Description, 'the replica');
    // Creating for a moment (then Enabled, tests/unit/multi-region.test.ts); never usable while Creating.
    assert.ok(['Creating', 'Enabled'].includes(inReplica.KeyMetadata!.KeyState!));
    assert.equal(inReplica.KeyMetadata!.Enabled, inReplica.KeyMetadata!.KeyState === 'Enabled');
    await eventually(async () => assert.equal((await kms(R).describeKey({ KeyId: primary.KeyId! })).KeyMetadata!.KeyState, 'Enabled'));
    // CloudTrail: ReplicateKey in the primary's region, CreateKey in the replica's.
    const day = new Date().toISOString().slice(0, 10);
    await eventually(async () => {
      const records = readJsonLines(`audit/${day}.jsonl`);
      const replicateRecords = records.filter((r) => r.eventName === 'ReplicateKey' && r.awsRegion === P);
      assert.ok(replicateRecords.some((r) => r.resources?.[0]?.ARN === primary.Arn), JSON.stringify(replicateRecords.slice(-2)));
      assert.ok(records.some((r) => r.eventName === 'CreateKey' && r.awsRegion === R && r.resources?.[0]?.ARN === replica.Arn));
    });
    // Not a copy of the primary's policy: the default policy, as a key created without one gets.
    const fresh = await kms(R).createKey({});
    const defaultPolicy = (await kms(R).getKeyPolicy({ KeyId: fresh.KeyMetadata!.KeyId!, PolicyName: 'default' })).Policy;
    assert.equal(out.ReplicaPolicy, defaultPolicy);
  });

  it('makes a key in the replica region that shares id and material with the primary', async () => {
    const { keyId, primaryArn, replicaArn } = await createReplicated();
    const inReplica = (await kms(R).describeKey({ KeyId: keyId })).KeyMetadata!;
    assert.equal(inReplica.Arn, replicaArn);
    assert.equal(inReplica.Enabled, true);
    assert.equal(inReplica.MultiRegionConfiguration!.MultiRegionKeyType, 'REPLICA');
    const inPrimary = (await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!;
    assert.deepEqual(inPrimary.MultiRegionConfiguration, {
      MultiRegionKeyType: 'PRIMARY',
      PrimaryKey: { Arn: primaryArn, Region: P },
      ReplicaKeys: [{ Arn: replicaArn, Region: R }],
    });
    assert.equal(inReplica.CurrentKeyMaterialId, inPrimary.CurrentKeyMaterialId);

    // Encrypt in one region, decrypt in the other, both ways, with an encryption context.
    const context = { purpose: 'dr' };
    const fromPrimary = await kms(P).encrypt({ KeyId: keyId, Plaintext: utf8('made in the primary'), EncryptionContext: context });
    const inR = await kms(R).decrypt({ CiphertextBlob: fromPrimary.CiphertextBlob!, EncryptionContext: context });
    assertBytesEqual(inR.Plaintext, utf8('made in the primary'));
    assert.equal(inR.KeyId, replicaArn);
    const fromReplica = await kms(R).encrypt({ KeyId: replicaArn, Plaintext: utf8('made in the replica') });
    const inP = await kms(P).decrypt({ CiphertextBlob: fromReplica.CiphertextBlob!, KeyId: primaryArn });
    assertBytesEqual(inP.Plaintext, utf8('made in the replica'));
    await rejects(kms(R).decrypt({ CiphertextBlob: fromPrimary.CiphertextBlob!, EncryptionContext: { purpose: 'other' } }), 'InvalidCiphertextException');
  });

  it('refuses a second replica in the same region, replicas, single-region keys and other regions', async () => {
    const { keyId, replicaArn } = await createReplicated();
    await rejects(kms(P).replicateKey({ KeyId: keyId, ReplicaRegion: R }), 'AlreadyExistsException');
    await rejects(kms(R).replicateKey({ KeyId: keyId, ReplicaRegion: P }), 'UnsupportedOperationException', `${replicaArn} is not a multi-region primary key.`);
    const single = (await kms(P).createKey({})).KeyMetadata!;
    await rejects(kms(P).replicateKey({ KeyId: single.KeyId!, ReplicaRegion: R }), 'UnsupportedOperationException', `${single.Arn} is not a multi-region primary key.`);
    await rejects(kms(P).replicateKey({ KeyId: keyId, ReplicaRegion: P }), 'ValidationException');
    // The model's pattern for ReplicaRegion.
    await rejects(kms(P).replicateKey({ KeyId: keyId, ReplicaRegion: 'Not_A_Region' }), 'ValidationException');
    await rejects(kms(P).replicateKey({ KeyId: `mrk-${'0'.repeat(32)}`, ReplicaRegion: R }), 'NotFoundException');
  });

  it('refuses a replica in a region AWS does not have, or in another partition, and makes nothing there (wording ours)', async () => {
    const { keyId } = await createReplicated();
    const before = (await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!.MultiRegionConfiguration;
    for (const region of ['xx-fake-1', 'cn-north-1', 'us-gov-west-1']) {
      await rejects(
        kms(P).replicateKey({ KeyId: keyId, ReplicaRegion: region }),
        'UnsupportedOperationException',
        `${region} is not an AWS Region this service serves; a replica cannot be created there.`,
      );
      assert.deepEqual(await tableNames(region), [], `no table in ${region}`);
      assert.equal((await scanTable(P)).filter((item) => JSON.stringify(item).includes(`:${region}:`)).length, 0, `nothing stored about ${region}`);
    }
    assert.deepEqual((await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!.MultiRegionConfiguration, before);
  });

  it('refuses a disabled primary', async () => {
    const primary = await createPrimary();
    await kms(P).disableKey({ KeyId: primary.KeyId! });
    await rejects(kms(P).replicateKey({ KeyId: primary.KeyId!, ReplicaRegion: R }), 'DisabledException', `${primary.Arn} is disabled.`);
  });
});

describe('asymmetric and HMAC multi-region keys', () => {
  it('share their private key: sign in one region, verify in the other; same public key; MACs verify across', async () => {
    const signing = (await kms(P).createKey({ MultiRegion: true, KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata!;
    const hmac = (await kms(P).createKey({ MultiRegion: true, KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!;
    for (const key of [signing, hmac]) await kms(P).replicateKey({ KeyId: key.KeyId!, ReplicaRegion: R });
    await syncReplication();
    const message = utf8('signed in the replica region');
    const signature = await eventually(() =>
      kms(R).sign({ KeyId: signing.KeyId!, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    const verified = await kms(P).verify({ KeyId: signing.KeyId!, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256', Signature: signature.Signature! });
    assert.equal(verified.SignatureValid, true);
    const [inP, inR] = await Promise.all([kms(P).getPublicKey({ KeyId: signing.KeyId! }), kms(R).getPublicKey({ KeyId: signing.KeyId! })]);
    assertBytesEqual(inR.PublicKey, inP.PublicKey!, 'public key');
    assert.equal(inR.KeyId, keyArn(signing.KeyId!, R));

    const mac = await kms(P).generateMac({ KeyId: hmac.KeyId!, Message: message, MacAlgorithm: 'HMAC_SHA_256' });
    // eventually: each replica is Creating for its first second.
    const checked = await eventually(() => kms(R).verifyMac({ KeyId: hmac.KeyId!, Message: message, MacAlgorithm: 'HMAC_SHA_256', Mac: mac.Mac! }));
    assert.equal(checked.MacValid, true);
    // Asymmetric and HMAC keys do not rotate, replicated or not.
    await rejects(kms(P).enableKeyRotation({ KeyId: signing.KeyId! }), 'UnsupportedOperationException');
  });
});

describe('what is per region', () => {
  it('keeps state, description, tags, policy and aliases apart', async () => {
    const { keyId, primaryArn } = await createReplicated();
    await kms(R).disableKey({ KeyId: keyId });
    await kms(R).updateKeyDescription({ KeyId: keyId, Description: 'south copy' });
    await kms(R).tagResource({ KeyId: keyId, Tags: [{ TagKey: 'only', TagValue: 'replica' }] });
    const alias = uniqueAlias('mrk');
    await kms(R).createAlias({ AliasName: alias, TargetKeyId: keyId });
    await syncReplication();

    const primary = (await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!;
    assert.equal(primary.KeyState, 'Enabled');
    assert.equal(primary.Description, 'mrk test');
    assert.deepEqual((await kms(P).listResourceTags({ KeyId: keyId })).Tags, []);
    await rejects(kms(P).describeKey({ KeyId: alias }), 'NotFoundException');
    await kms(P).encrypt({ KeyId: primaryArn, Plaintext: utf8('primary still works') });

    await rejects(kms(R).encrypt({ KeyId: alias, Plaintext: utf8('x') }), 'DisabledException');
    assert.equal((await kms(R).describeKey({ KeyId: alias })).KeyMetadata!.Description, 'south copy');
  });
});

describe('rotation is shared and set on the primary', () => {
  it('rotates the primary; the replica reports it and decrypts the new ciphertexts', async () => {
    const { keyId, replicaArn } = await createReplicated();
    await rejects(kms(R).enableKeyRotation({ KeyId: keyId }), 'UnsupportedOperationException', `${replicaArn} is not a multi-region primary key.`);
    await rejects(kms(R).rotateKeyOnDemand({ KeyId: keyId }), 'UnsupportedOperationException');

    await kms(P).enableKeyRotation({ KeyId: keyId, RotationPeriodInDays: 180 });
    const before = (await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!.CurrentKeyMaterialId;
    await kms(P).rotateKeyOnDemand({ KeyId: keyId });
    const after = (await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!.CurrentKeyMaterialId;
    assert.notEqual(after, before);
    const made = await kms(P).encrypt({ KeyId: keyId, Plaintext: utf8('after rotation') });

    await syncReplication();
    await eventually(async () => {
      const status = await kms(R).getKeyRotationStatus({ KeyId: keyId });
      assert.equal(status.KeyRotationEnabled, true);
      assert.equal(status.RotationPeriodInDays, 180);
      assert.equal((await kms(R).describeKey({ KeyId: keyId })).KeyMetadata!.CurrentKeyMaterialId, after);
    });
    const opened = await kms(R).decrypt({ CiphertextBlob: made.CiphertextBlob! });
    assertBytesEqual(opened.Plaintext, utf8('after rotation'));
    assert.equal(opened.KeyMaterialId, after);
    const rotations = await kms(R).listKeyRotations({ KeyId: keyId });
    assert.equal(rotations.Rotations!.length, 1);
    assert.equal(rotations.Rotations![0]!.RotationType, 'ON_DEMAND');
  });
});

describe('automatic rotation of a multi-region key', () => {
  it("runs in the primary's region only, and follows the primary when it moves", async () => {
    const { keyId } = await createReplicated();
    await kms(P).enableKeyRotation({ KeyId: keyId, RotationPeriodInDays: 90 });
    const start = (await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!.CurrentKeyMaterialId;
    await syncReplication();
    const due = daysFrom(new Date(), 91);

    // The replica region's job leaves the key alone: its rotation is the primary's.
    await runJob('rotation', { region: R, now: due });
    assert.equal((await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!.CurrentKeyMaterialId, start);

    await runJob('rotation', { region: P, now: due });
    const rotated = (await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!.CurrentKeyMaterialId;
    assert.notEqual(rotated, start);
    const rotations = (await kms(P).listKeyRotations({ KeyId: keyId })).Rotations!;
    assert.deepEqual(rotations.map((r) => r.RotationType), ['AUTOMATIC']);
    await syncReplication();
    await eventually(async () => assert.equal((await kms(R).describeKey({ KeyId: keyId })).KeyMetadata!.CurrentKeyMaterialId, rotated));

    // After UpdatePrimaryRegion the next rotation is the new primary region's job.
    await kms(P).updatePrimaryRegion({ KeyId: keyId, PrimaryRegion: R });
    await syncReplication();
    const next = daysFrom(due, 91);
    await runJob('rotation', { region: P, now: next });
    assert.equal((await kms(P).listKeyRotations({ KeyId: keyId })).Rotations!.length, 1);
    await runJob('rotation', { region: R, now: next });
    assert.equal((await kms(R).listKeyRotations({ KeyId: keyId })).Rotations!.length, 2);
  });
});

describe('ReplicateKey to a region outside the global table (locally every region is served)', () => {
  const JOINER = 'ap-southeast-5'; // no other test uses it

  it('makes the region join the table: its replica works, the table\'s items are there, and it replicates both ways', async () => {
    const before = (await kms(P).createKey({ Description: 'made before the join' })).KeyMetadata!;
    const primary = await createPrimary('joins a region');
    const blob = (await kms(P).encrypt({ KeyId: primary.KeyId!, Plaintext: utf8('across the join') })).CiphertextBlob!;
    const out = await kms(P).replicateKey({ KeyId: primary.KeyId!, ReplicaRegion: JOINER });
    assert.equal(out.ReplicaKeyMetadata!.Arn, keyArn(primary.KeyId!, JOINER));
    await syncReplication();
    await eventually(async () => assert.equal((await kms(JOINER).describeKey({ KeyId: primary.KeyId! })).KeyMetadata!.KeyState, 'Enabled'));
    assertBytesEqual((await kms(JOINER).decrypt({ CiphertextBlob: blob })).Plaintext, utf8('across the join'));
    // The joined region's table holds what the table held before the join.
    const items = await scanTable(JOINER);
    assert.ok(items.some((item) => item.pk === `KEY#${P}#${before.KeyId}`), 'a key made before the join was copied');
    // Writes in the joined region replicate out: it becomes the primary, and P learns so.
    await kms(P).updatePrimaryRegion({ KeyId: primary.KeyId!, PrimaryRegion: JOINER });
    await syncReplication();
    await eventually(async () => {
      const inP = (await kms(P).describeKey({ KeyId: primary.KeyId! })).KeyMetadata!;
      assert.equal(inP.MultiRegionConfiguration!.MultiRegionKeyType, 'REPLICA');
      assert.equal(inP.MultiRegionConfiguration!.PrimaryKey!.Region, JOINER);
    });
    // Once joined, a later key replicates there like to any region of the table.
    const later = await createPrimary('after the join');
    await kms(P).replicateKey({ KeyId: later.KeyId!, ReplicaRegion: JOINER });
    await syncReplication();
    await eventually(async () => assert.equal((await kms(JOINER).describeKey({ KeyId: later.KeyId! })).KeyMetadata!.KeyState, 'Enabled'));
  });

  it('a primary in a region outside the table makes that region join too, and its rotations reach the replica', async () => {
    const HOME = 'mx-central-1'; // no other test uses it
    const primary = (await kms(HOME).createKey({ MultiRegion: true })).KeyMetadata!;
    await kms(HOME).replicateKey({ KeyId: primary.KeyId!, ReplicaRegion: JOINER });
    await kms(HOME).rotateKeyOnDemand({ KeyId: primary.KeyId! });
    const blob = (await kms(HOME).encrypt({ KeyId: primary.KeyId!, Plaintext: utf8('rotated at home') })).CiphertextBlob!;
    await syncReplication();
    await eventually(async () => {
      assertBytesEqual((await kms(JOINER).decrypt({ CiphertextBlob: blob })).Plaintext, utf8('rotated at home'));
    });
  });
});

describe('multi-region keys with imported material', () => {
  it('the replica starts PendingImport, takes only the primary\'s material, and then shares its ciphertexts', async () => {
    const primary = (await kms(P).createKey({ MultiRegion: true, Origin: 'EXTERNAL' })).KeyMetadata!;
    assert.match(primary.KeyId!, /^mrk-/);
    assert.equal(primary.KeyState, 'PendingImport');
    const material = randomBytes(32);
    const imported = await importInto(P, primary.KeyId!, material);
    assert.equal((await kms(P).describeKey({ KeyId: primary.KeyId! })).KeyMetadata!.KeyState, 'Enabled');

    const replicated = await kms(P).replicateKey({ KeyId: primary.KeyId!, ReplicaRegion: R });
    assert.equal(replicated.ReplicaKeyMetadata!.Origin, 'EXTERNAL');
    assert.equal(replicated.ReplicaKeyMetadata!.CurrentKeyMaterialId, undefined);
    await syncReplication();
    const replica = await eventually(async () => {
      const { KeyMetadata } = await kms(R).describeKey({ KeyId: primary.KeyId! });
      assert.equal(KeyMetadata!.KeyState, 'PendingImport');
      return KeyMetadata!;
    });
    assert.equal(replica.CurrentKeyMaterialId, undefined);
    assert.equal(replica.MultiRegionConfiguration!.MultiRegionKeyType, 'REPLICA');
    const fromPrimary = await kms(P).encrypt({ KeyId: primary.KeyId!, Plaintext: utf8('imported mrk') });
    await rejects(kms(R).decrypt({ CiphertextBlob: fromPrimary.CiphertextBlob! }), 'KMSInvalidStateException');

    // Other bytes are refused; the primary's bytes make the replica usable, with the same material id.
    await rejects(importInto(R, primary.KeyId!, randomBytes(32)), 'IncorrectKeyMaterialException');
    const inReplica = await importInto(R, primary.KeyId!, material);
    assert.equal(inReplica.KeyMaterialId, imported.KeyMaterialId);
    assert.equal((await kms(R).describeKey({ KeyId: primary.KeyId! })).KeyMetadata!.KeyState, 'Enabled');
    assertBytesEqual((await kms(R).decrypt({ CiphertextBlob: fromPrimary.CiphertextBlob! })).Plaintext, utf8('imported mrk'));
    const fromReplica = await kms(R).encrypt({ KeyId: primary.KeyId!, Plaintext: utf8('back') });
    assertBytesEqual((await kms(P).decrypt({ CiphertextBlob: fromReplica.CiphertextBlob! })).Plaintext, utf8('back'));

    // Deleting the replica's material leaves the primary working; the replica takes the same bytes again.
    await kms(R).deleteImportedKeyMaterial({ KeyId: primary.KeyId! });
    assert.equal((await kms(R).describeKey({ KeyId: primary.KeyId! })).KeyMetadata!.KeyState, 'PendingImport');
    await syncReplication();
    assertBytesEqual((await kms(P).decrypt({ CiphertextBlob: fromReplica.CiphertextBlob! })).Plaintext, utf8('back'));
    await importInto(R, primary.KeyId!, material);
    assertBytesEqual((await kms(R).decrypt({ CiphertextBlob: fromPrimary.CiphertextBlob! })).Plaintext, utf8('imported mrk'));
  });
});

describe('new imported material for a multi-region key', () => {
  const states = async (region: string, keyId: string) =>
    ((await kms(region).listKeyRotations({ KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).Rotations ?? []).map((r) => [r.KeyMaterialId, r.KeyMaterialState]);

  it('waits in PENDING_MULTI_REGION_IMPORT_AND_ROTATION until every region has it, then rotates everywhere', async () => {
    const key = (await kms(P).createKey({ MultiRegion: true, Origin: 'EXTERNAL' })).KeyMetadata!;
    const [m1, m2] = [randomBytes(32), randomBytes(32)];
    const first = (await importInto(P, key.KeyId!, m1)).KeyMaterialId!;
    await kms(P).replicateKey({ KeyId: key.KeyId!, ReplicaRegion: R });
    await syncReplication();
    await eventually(async () => assert.equal((await kms(R).describeKey({ KeyId: key.KeyId! })).KeyMetadata!.KeyState, 'PendingImport'));
    await importInto(R, key.KeyId!, m1);
    const before = (await kms(R).encrypt({ KeyId: key.KeyId!, Plaintext: utf8('before the rotation') })).CiphertextBlob!;

    // New material goes to the primary first; the replica cannot start one.
    await rejects(importInto(R, key.KeyId!, randomBytes(32), 'NEW_KEY_MATERIAL'), 'UnsupportedOperationException');
    const second = (await importInto(P, key.KeyId!, m2, 'NEW_KEY_MATERIAL')).KeyMaterialId!;
    await syncReplication();
    assert.deepEqual(await states(P, key.KeyId!), [[first, 'CURRENT'], [second, 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION']]);
    await rejects(kms(P).rotateKeyOnDemand({ KeyId: key.KeyId! }), 'KMSInvalidStateException');

    // The replica imports the same bytes: now it may rotate, and the replica follows.
    await importInto(R, key.KeyId!, m2);
    await syncReplication();
    await eventually(async () => assert.deepEqual(await states(P, key.KeyId!), [[first, 'CURRENT'], [second, 'PENDING_ROTATION']]));
    await kms(P).rotateKeyOnDemand({ KeyId: key.KeyId! });
    await syncReplication();
    await eventually(async () => assert.equal((await kms(R).describeKey({ KeyId: key.KeyId! })).KeyMetadata!.CurrentKeyMaterialId, second));
    assert.equal((await kms(P).describeKey({ KeyId: key.KeyId! })).KeyMetadata!.CurrentKeyMaterialId, second);
    const after = (await kms(R).encrypt({ KeyId: key.KeyId!, Plaintext: utf8('after the rotation') })).CiphertextBlob!;
    assertBytesEqual((await kms(P).decrypt({ CiphertextBlob: after })).Plaintext, utf8('after the rotation'));
    assertBytesEqual((await kms(P).decrypt({ CiphertextBlob: before })).Plaintext, utf8('before the rotation'));
    const fromPrimary = (await kms(P).encrypt({ KeyId: key.KeyId!, Plaintext: utf8('primary, new material') })).CiphertextBlob!;
    assertBytesEqual((await kms(R).decrypt({ CiphertextBlob: fromPrimary })).Plaintext, utf8('primary, new material'));
  });
});

describe('a replica made while new imported material is pending', () => {
  it('starts without it: the material waits for the replica\'s own import', async () => {
    const key = (await kms(P).createKey({ MultiRegion: true, Origin: 'EXTERNAL' })).KeyMetadata!;
    const [m1, m2] = [randomBytes(32), randomBytes(32)];
    const first = (await importInto(P, key.KeyId!, m1)).KeyMaterialId!;
    const second = (await importInto(P, key.KeyId!, m2, 'NEW_KEY_MATERIAL')).KeyMaterialId!;
    await kms(P).replicateKey({ KeyId: key.KeyId!, ReplicaRegion: R });
    await syncReplication();
    const states = ((await kms(P).listKeyRotations({ KeyId: key.KeyId!, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' })).Rotations ?? []).map((r) => [r.KeyMaterialId, r.KeyMaterialState]);
    assert.deepEqual(states, [[first, 'CURRENT'], [second, 'PENDING_MULTI_REGION_IMPORT_AND_ROTATION']]);
    await rejects(kms(P).rotateKeyOnDemand({ KeyId: key.KeyId! }), 'KMSInvalidStateException');
  });
});

describe('UpdatePrimaryRegion', () => {
  it('swaps the roles; only the new primary can replicate and rotate', async () => {
    const { keyId, primaryArn, replicaArn } = await createReplicated();
    const result = await kms(P).updatePrimaryRegion({ KeyId: keyId, PrimaryRegion: R });
    assert.deepEqual(Object.keys(result).filter((k) => k !== '$metadata'), []);
    await syncReplication();
    await eventually(async () => {
      const inR = (await kms(R).describeKey({ KeyId: keyId })).KeyMetadata!;
      assert.deepEqual(inR.MultiRegionConfiguration, {
        MultiRegionKeyType: 'PRIMARY',
        PrimaryKey: { Arn: replicaArn, Region: R },
        ReplicaKeys: [{ Arn: primaryArn, Region: P }],
      });
    });
    const inP = (await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!;
    assert.equal(inP.MultiRegionConfiguration!.MultiRegionKeyType, 'REPLICA');
    await rejects(kms(P).updatePrimaryRegion({ KeyId: keyId, PrimaryRegion: R }), 'UnsupportedOperationException');
    await rejects(kms(P).enableKeyRotation({ KeyId: keyId }), 'UnsupportedOperationException');
    await kms(R).enableKeyRotation({ KeyId: keyId });
    // Both keys keep working throughout.
    const made = await kms(R).encrypt({ KeyId: keyId, Plaintext: utf8('new primary') });
    assertBytesEqual((await kms(P).decrypt({ CiphertextBlob: made.CiphertextBlob! })).Plaintext, utf8('new primary'));
  });

  it('needs a replica in the named region, enabled, on a multi-region primary', async () => {
    const { keyId, primaryArn } = await createReplicated();
    await rejects(kms(P).updatePrimaryRegion({ KeyId: keyId, PrimaryRegion: 'eu-south-2' }), 'NotFoundException');
    await kms(R).disableKey({ KeyId: keyId });
    await syncReplication();
    await rejects(kms(P).updatePrimaryRegion({ KeyId: keyId, PrimaryRegion: R }), 'DisabledException');
    const single = (await kms(P).createKey({})).KeyMetadata!;
    await rejects(kms(P).updatePrimaryRegion({ KeyId: single.KeyId!, PrimaryRegion: R }), 'UnsupportedOperationException');
    // Still the primary after the refusals.
    assert.equal((await kms(P).describeKey({ KeyId: primaryArn })).KeyMetadata!.MultiRegionConfiguration!.MultiRegionKeyType, 'PRIMARY');
  });
});

describe('deleting a primary that has replicas', () => {
  it('waits in PendingReplicaDeletion until the last replica is deleted, then starts its own window', async () => {
    const { keyId, primaryArn } = await createReplicated();
    const scheduled = await kms(P).scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 7 });
    assert.equal(scheduled.KeyState, 'PendingReplicaDeletion');
    assert.equal(scheduled.PendingWindowInDays, 7);
    assert.equal(scheduled.DeletionDate, undefined);
    const described = (await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!;
    assert.equal(described.KeyState, 'PendingReplicaDeletion');
    assert.equal(described.PendingDeletionWindowInDays, 7);
    assert.equal(described.DeletionDate, undefined);
    assert.equal(described.Enabled, false);
    await rejects(kms(P).encrypt({ KeyId: keyId, Plaintext: utf8('x') }), 'KMSInvalidStateException', `${primaryArn} is pending deletion.`);

    // The primary's deletion job leaves it alone while the replica exists.
    const now = new Date();
    let report = await runJob('deletion', { region: P, now: daysFrom(now, 40) });
    assert.equal((await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!.KeyState, 'PendingReplicaDeletion');

    // The replica is deleted at the end of its own window.
    await kms(R).scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 7 });
    report = await runJob('deletion', { region: R, now: daysFrom(now, 8) });
    assert.ok(report.done >= 1);
    await assert.rejects(kms(R).describeKey({ KeyId: keyId }), { name: 'NotFoundException' });
    await syncReplication();

    // Then the primary's window starts, as of the job's run.
    const started = daysFrom(now, 9);
    await runJob('deletion', { region: P, now: started });
    const pending = (await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!;
    assert.equal(pending.KeyState, 'PendingDeletion');
    assert.equal(pending.DeletionDate!.getTime(), daysFrom(started, 7).getTime());
    await runJob('deletion', { region: P, now: daysFrom(started, 7) });
    await assert.rejects(kms(P).describeKey({ KeyId: keyId }), { name: 'NotFoundException' });

    // The primary, deleted last, takes the shared material and the shared item along.
    const left = (await scanTable(P)).filter((item) => String(item.pk).includes(keyId) || String(item.sk).includes(keyId));
    assert.deepEqual(left, []);
  });

  it('deletes a replica alone, keeping the shared material for the primary', async () => {
    const { keyId } = await createReplicated();
    const made = await kms(P).encrypt({ KeyId: keyId, Plaintext: utf8('keep me') });
    await kms(R).scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 7 });
    await runJob('deletion', { region: R, now: daysFrom(new Date(), 8) });
    await syncReplication();
    assertBytesEqual((await kms(P).decrypt({ CiphertextBlob: made.CiphertextBlob! })).Plaintext, utf8('keep me'));
    assert.deepEqual((await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!.MultiRegionConfiguration!.ReplicaKeys, []);
    // And it can be replicated again.
    const again = await kms(P).replicateKey({ KeyId: keyId, ReplicaRegion: R });
    assert.equal(again.ReplicaKeyMetadata!.KeyState, 'Creating');
  });

  it('lets a cancelled primary deletion leave the key Disabled, as for any key', async () => {
    const { keyId } = await createReplicated();
    await kms(P).scheduleKeyDeletion({ KeyId: keyId, PendingWindowInDays: 7 });
    await kms(P).cancelKeyDeletion({ KeyId: keyId });
    const key = (await kms(P).describeKey({ KeyId: keyId })).KeyMetadata!;
    assert.equal(key.KeyState, 'Disabled');
    assert.equal(key.PendingDeletionWindowInDays, undefined);
  });
});

describe('condition keys', () => {
  it('evaluates kms:MultiRegionKeyType and kms:ReplicaRegion in the key policy', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'admin', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'no-replicas-in-eu-south-1',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'kms:ReplicateKey',
          Resource: '*',
          Condition: { StringEquals: { 'kms:ReplicaRegion': R, 'kms:MultiRegionKeyType': 'PRIMARY' } },
        },
      ],
    });
    const key = (await kms(P).createKey({ MultiRegion: true, Policy: policy })).KeyMetadata!;
    await rejects(kms(P).replicateKey({ KeyId: key.KeyId!, ReplicaRegion: R }), 'AccessDeniedException');
  });
});
