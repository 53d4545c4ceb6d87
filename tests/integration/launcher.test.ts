/**
 * The launcher (infra/local/launcher.ts) in this process: the credentials it returns are the ones its
 * service was seeded with, the credentials file's first, so a caller's own file works as it is.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { KMS } from '@aws-sdk/client-kms';
import { startKms } from '../../infra/local/launcher.js';

test('startKms returns the first credential of the credentials file it was given, and it works', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kms-launcher-'));
  const file = join(dir, 'credentials.json');
  const own = { accessKeyId: 'AKIALAUNCHER00000001', secretAccessKey: 'launcher-secret-not-a-real-one' };
  await writeFile(file, JSON.stringify([{ ...own, principalArn: 'arn:aws:iam::444455556666:root' }]));
  const kms = await startKms({ env: { KMS_CREDENTIALS_FILE: file } });
  try {
    assert.deepEqual(kms.credentials, own);
    const client = new KMS({ endpoint: kms.endpoint, region: kms.region, credentials: kms.credentials, maxAttempts: 1 });
    const key = (await client.createKey({})).KeyMetadata!;
    assert.equal(key.Arn, `arn:aws:kms:us-east-1:444455556666:key/${key.KeyId}`);
  } finally {
    await kms.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
