/**
 * Seeding (KMS_SEED_FILE, infra/local/seed.ts): keys with known ids and material are made at start, so
 * a ciphertext made by one instance decrypts in a fresh instance seeded from the same file; starting
 * again changes nothing; an invalid entry stops the start at once, naming it. Own services, in-process.
 */
import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KMS } from '@aws-sdk/client-kms';
import { startLocalService, type LocalService } from '../../infra/local/service.js';

const client = (service: LocalService, region = 'us-east-1') =>
  new KMS({ endpoint: service.endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

/** A new replica is Creating for a moment (KMSInvalidStateException), then usable. */
async function eventuallyEnabled<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if ((error as Error).name !== 'KMSInvalidStateException' || attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('KMS_SEED_FILE', { timeout: 180_000 }, () => {
  let dir: string;
  const symmetricId = randomUUID();
  const hmacId = randomUUID();
  const signingId = randomUUID();
  const mrkId = `mrk-${randomBytes(16).toString('hex')}`;
  const mrkMaterial = randomBytes(32);
  const symmetric = randomBytes(32);
  const hmac = randomBytes(32);
  const alias = `alias/seeded-${randomBytes(4).toString('hex')}`;
  const start = (name: string, seed: string) =>
    startLocalService({ port: 0, dynamodbPort: 0, dataDir: join(dir, name), jobIntervalMs: 0, env: { KMS_SEED_FILE: seed, KMS_REGIONS: 'us-east-1', LOG_LEVEL: 'ERROR' } });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kms-seed-'));
    await writeFile(
      join(dir, 'seed.yaml'),
      [
        'keys:',
        `  - keyId: ${symmetricId}`,
        '    description: orders',
        `    aliases: [${alias}]`,
        '    tags: { team: payments }',
        '    rotationPeriodInDays: 90',
        `    material: ${symmetric.toString('base64')}`,
        `  - keyId: ${hmacId}`,
        '    keySpec: HMAC_256',
        '    keyUsage: GENERATE_VERIFY_MAC',
        `    material: ${hmac.toString('base64')}`,
        `  - keyId: ${signingId}`,
        '    keySpec: ECC_NIST_P256',
        '    keyUsage: SIGN_VERIFY',
        `  - keyId: ${mrkId}`,
        '    multiRegion: true',
        '    replicaRegions: [eu-west-1]',
        `    material: ${mrkMaterial.toString('base64')}`,
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes the keys with their ids, aliases, tags and rotation; a fresh instance decrypts what the first encrypted', async () => {
    const first = await start('a', join(dir, 'seed.yaml'));
    let blob: Uint8Array;
    let mrkBlob: Uint8Array;
    try {
      const kms = client(first);
      const described = (await kms.describeKey({ KeyId: alias })).KeyMetadata!;
      assert.equal(described.KeyId, symmetricId);
      assert.equal(described.Description, 'orders');
      assert.deepEqual((await kms.listResourceTags({ KeyId: symmetricId })).Tags, [{ TagKey: 'team', TagValue: 'payments' }]);
      const rotation = await kms.getKeyRotationStatus({ KeyId: symmetricId });
      assert.equal(rotation.KeyRotationEnabled, true);
      assert.equal(rotation.RotationPeriodInDays, 90);
      blob = (await kms.encrypt({ KeyId: alias, Plaintext: Buffer.from('seeded'), EncryptionContext: { run: 'one' } })).CiphertextBlob!;
      const mac = await kms.generateMac({ KeyId: hmacId, Message: Buffer.from('m'), MacAlgorithm: 'HMAC_SHA_256' });
      assert.deepEqual(Buffer.from(mac.Mac!), createHmac('sha256', hmac).update('m').digest(), 'the HMAC key is the seeded material');
      assert.equal((await kms.describeKey({ KeyId: signingId })).KeyMetadata!.KeySpec, 'ECC_NIST_P256');
      const replica = (await client(first, 'eu-west-1').describeKey({ KeyId: mrkId })).KeyMetadata!;
      assert.equal(replica.MultiRegionConfiguration?.MultiRegionKeyType, 'REPLICA');
      assert.equal(replica.MultiRegionConfiguration?.PrimaryKey?.Region, 'us-east-1');
      const primary = (await kms.describeKey({ KeyId: mrkId })).KeyMetadata!;
      assert.deepEqual(primary.MultiRegionConfiguration?.ReplicaKeys?.map((r) => r.Region), ['eu-west-1']);
      mrkBlob = (await kms.encrypt({ KeyId: mrkId, Plaintext: Buffer.from('seeded mrk') })).CiphertextBlob!;
    } finally {
      await first.stop();
    }

    const second = await start('b', join(dir, 'seed.yaml'));
    try {
      const opened = await client(second).decrypt({ CiphertextBlob: blob, EncryptionContext: { run: 'one' } });
      assert.equal(Buffer.from(opened.Plaintext!).toString(), 'seeded');
      assert.equal(opened.KeyId, `arn:aws:kms:us-east-1:111122223333:key/${symmetricId}`);
      // The seeded replica of the other instance opens what the first instance's primary sealed.
      const inReplica = await eventuallyEnabled(() => client(second, 'eu-west-1').decrypt({ CiphertextBlob: mrkBlob }));
      assert.equal(Buffer.from(inReplica.Plaintext!).toString(), 'seeded mrk');
      assert.equal(inReplica.KeyId, `arn:aws:kms:eu-west-1:111122223333:key/${mrkId}`);
    } finally {
      await second.stop();
    }
  });

  it('starting again on the same data leaves the keys as they are', async () => {
    const first = await start('c', join(dir, 'seed.yaml'));
    const created = (await client(first).describeKey({ KeyId: symmetricId })).KeyMetadata!.CreationDate!;
    const replicaCreated = (await client(first, 'eu-west-1').describeKey({ KeyId: mrkId })).KeyMetadata!.CreationDate!;
    await client(first).updateKeyDescription({ KeyId: symmetricId, Description: 'changed by a test' });
    // The seeded multi-region key's primary moves away: the file's replicaRegions are not made again from here.
    await eventuallyEnabled(() => client(first).updatePrimaryRegion({ KeyId: mrkId, PrimaryRegion: 'eu-west-1' }));
    await first.stop();
    // The file now also wants a replica in ap-south-1: a replica cannot make one, so the start only says so.
    const moved = (await readFile(join(dir, 'seed.yaml'), 'utf8')).replace('replicaRegions: [eu-west-1]', 'replicaRegions: [eu-west-1, ap-south-1]');
    await writeFile(join(dir, 'seed-moved.yaml'), moved);
    const again = await start('c', join(dir, 'seed-moved.yaml'));
    try {
      const described = (await client(again).describeKey({ KeyId: symmetricId })).KeyMetadata!;
      assert.equal(described.CreationDate!.getTime(), created.getTime());
      assert.equal(described.Description, 'changed by a test', 'an existing key is not overwritten');
      const replica = (await client(again, 'eu-west-1').describeKey({ KeyId: mrkId })).KeyMetadata!;
      assert.equal(replica.CreationDate!.getTime(), replicaCreated.getTime(), 'the replica is not made again');
      assert.equal(replica.MultiRegionConfiguration?.MultiRegionKeyType, 'PRIMARY', 'the primary stays where it moved');
      const seeded = (await client(again).describeKey({ KeyId: mrkId })).KeyMetadata!;
      assert.equal(seeded.MultiRegionConfiguration?.MultiRegionKeyType, 'REPLICA');
      await assert.rejects(client(again, 'ap-south-1').describeKey({ KeyId: mrkId }), { name: 'NotFoundException' });
    } finally {
      await again.stop();
    }
  });

  it('an invalid entry stops the start at once, naming the entry', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ keys: [{ keyId: randomUUID() }, { keyId: 'not-an-id' }] }));
    const began = performance.now();
    await assert.rejects(start('d', bad), (error: Error) => {
      assert.match(error.message, /keys\[1\] \(not-an-id\): keyId must be/);
      return true;
    });
    assert.ok(performance.now() - began < 2000, 'refused before DynamoDB Local starts');
    const wrongMaterial = join(dir, 'wrong.yaml');
    await writeFile(wrongMaterial, `keys:\n  - keyId: ${randomUUID()}\n    keySpec: HMAC_512\n    keyUsage: GENERATE_VERIFY_MAC\n    material: ${randomBytes(16).toString('base64')}\n`);
    await assert.rejects(start('e', wrongMaterial), /keys\[0\].*material is not HMAC_512 key material/);
    const unknownRegion = join(dir, 'region.yaml');
    await writeFile(unknownRegion, `keys:\n  - keyId: mrk-${'a'.repeat(32)}\n    multiRegion: true\n    replicaRegions: [xx-fake-1]\n`);
    await assert.rejects(start('f', unknownRegion), /keys\[0\].*replicaRegions must be a list of regions this service serves/);
    await writeFile(unknownRegion, `keys:\n  - keyId: ${randomUUID()}\n    region: xx-fake-1\n`);
    await assert.rejects(start('g', unknownRegion), /keys\[0\].*region xx-fake-1 is not a region this service serves/);
    await writeFile(unknownRegion, `keys:\n  - keyId: ${randomUUID()}\n    replicaRegions: [eu-west-1]\n`);
    await assert.rejects(start('h', unknownRegion), /keys\[0\].*only multi-region keys/);
  });
});
