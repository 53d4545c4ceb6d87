/**
 * Region names (shared/regions.ts): the local service serves AWS's regions only, and a configuration
 * naming another is refused before DynamoDB Local starts; KMS_ALLOW_ANY_REGION=true serves any
 * well-formed name (requests, replicas, KMS_REGIONS). Own services, in-process.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { KMS } from '@aws-sdk/client-kms';
import { startLocalService } from '../../infra/local/service.js';

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});
const dataDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kms-regions-'));
  dirs.push(dir);
  return dir;
};

test('KMS_REGIONS or AWS_REGION naming a region AWS does not have is refused before DynamoDB Local starts', { timeout: 30_000 }, async () => {
  const dir = await dataDir();
  for (const env of [{ KMS_REGIONS: 'us-east-1,xx-fake-1' }, { AWS_REGION: 'xx-fake-1' }]) {
    const began = performance.now();
    await assert.rejects(startLocalService({ port: 0, dynamodbPort: 0, dataDir: dir, env: { LOG_LEVEL: 'ERROR', ...env } }), {
      message: /'xx-fake-1' is not a region of AWS's aws partition \(set KMS_ALLOW_ANY_REGION=true to serve any region name\)/,
    });
    assert.ok(performance.now() - began < 1000, 'said before anything started');
    assert.equal(existsSync(join(dir, 'service.lock')), false);
  }
});

test('KMS_ALLOW_ANY_REGION=true serves made-up region names: requests, replicas and KMS_REGIONS', { timeout: 120_000 }, async () => {
  const service = await startLocalService({
    port: 0,
    dynamodbPort: 0,
    dataDir: await dataDir(),
    jobIntervalMs: 0,
    env: { LOG_LEVEL: 'ERROR', KMS_ALLOW_ANY_REGION: 'true', KMS_REGIONS: 'us-east-1,xx-fake-1' },
  });
  const kms = (region: string) =>
    new KMS({ endpoint: service.endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  try {
    const key = (await kms('xx-fake-1').createKey({ MultiRegion: true })).KeyMetadata!;
    assert.equal(key.Arn, `arn:aws:kms:xx-fake-1:111122223333:key/${key.KeyId}`);
    const replica = (await kms('xx-fake-1').replicateKey({ KeyId: key.KeyId!, ReplicaRegion: 'yy-made-up-2' })).ReplicaKeyMetadata!;
    assert.equal(replica.Arn, `arn:aws:kms:yy-made-up-2:111122223333:key/${key.KeyId}`);
    assert.equal((await kms('yy-made-up-2').describeKey({ KeyId: key.KeyId! })).KeyMetadata!.MultiRegionConfiguration?.MultiRegionKeyType, 'REPLICA');
    // Still no malformed names.
    await assert.rejects(kms('moon').listKeys({}), { name: 'InvalidSignatureException' });
  } finally {
    await service.stop();
  }
});
