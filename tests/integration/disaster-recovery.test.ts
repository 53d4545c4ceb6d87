/**
 * Disaster recovery across the local global table: a ciphertext made in one region decrypts in another
 * while the first is down (`npm run region -- down`), with the SDK and with the AWS Encryption SDK's
 * multi-region-key-aware keyrings; writes made while a region is down reach it when it is back; and,
 * beyond AWS, an operator's declaration that a region failed lets a recovery region decrypt ciphertexts
 * of that region's single-region keys (audited, policy still enforced).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  buildAwsKmsMrkAwareDiscoveryMultiKeyringNode,
  buildAwsKmsMrkAwareStrictMultiKeyringNode,
  buildClient,
  CommitmentPolicy,
  KmsKeyringNode,
  type KmsNodeClientSupplier,
} from '@aws-crypto/client-node';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { KMS } from '@aws-sdk/client-kms';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DYNAMODB_LOCAL_CREDENTIALS } from '../../shared/services.js';
import { ACCOUNT, assertBytesEqual, endpoint, keyArn, kms, utf8 } from './helpers.js';
import { daysFrom, readJsonLines, runJob } from './jobs.js';
import { clientFor } from './principals.js';
import { scanTable } from './table.js';
import { importInto } from './import-material.js';
import { randomBytes } from 'node:crypto';
import { declareFailed, DR_HOME as A, DR_RECOVERY as B, eventually, regionDown, regionUp, syncReplication, withdrawFailure } from './regions.js';

after(async () => {
  await regionUp(A); // never leave a region down for a later run on the same data directory
});

async function replicatedKey(): Promise<{ keyId: string; homeArn: string; recoveryArn: string }> {
  const key = (await kms(A).createKey({ MultiRegion: true, Description: 'dr' })).KeyMetadata!;
  await kms(A).replicateKey({ KeyId: key.KeyId!, ReplicaRegion: B });
  await syncReplication();
  await eventually(async () => assert.equal((await kms(B).describeKey({ KeyId: key.KeyId! })).KeyMetadata!.KeyState, 'Enabled'));
  return { keyId: key.KeyId!, homeArn: key.Arn!, recoveryArn: keyArn(key.KeyId!, B) };
}

const clients = new Map<string, KMS>();
const clientProvider: KmsNodeClientSupplier = (region: string) => {
  let client = clients.get(region);
  if (!client) clients.set(region, (client = new KMS({ region, endpoint: endpoint(), credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 })));
  return client;
};
const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

describe('a region that is down', () => {
  it('answers 503 and runs no jobs; its multi-region key decrypts in the replica region', async () => {
    const { keyId, homeArn, recoveryArn } = await replicatedKey();
    const context = { tenant: 'blue' };
    const made = await kms(A).encrypt({ KeyId: homeArn, Plaintext: utf8('made before the outage'), EncryptionContext: context });
    const dataKey = await kms(A).generateDataKey({ KeyId: keyId, KeySpec: 'AES_256' });

    await regionDown(A);
    try {
      await assert.rejects(kms(A).describeKey({ KeyId: keyId }), (error: Error & { $metadata?: { httpStatusCode?: number } }) => {
        assert.equal(error.$metadata?.httpStatusCode, 503);
        assert.equal(error.name, 'ServiceUnavailableException');
        return true;
      });
      await assert.rejects(runJob('rotation', { region: A }), /503/);

      const opened = await kms(B).decrypt({ CiphertextBlob: made.CiphertextBlob!, EncryptionContext: context });
      assertBytesEqual(opened.Plaintext, utf8('made before the outage'));
      assert.equal(opened.KeyId, recoveryArn);
      const unwrapped = await kms(B).decrypt({ CiphertextBlob: dataKey.CiphertextBlob!, KeyId: recoveryArn });
      assertBytesEqual(unwrapped.Plaintext, dataKey.Plaintext!);
    } finally {
      await regionUp(A);
    }
    await kms(A).describeKey({ KeyId: keyId });
  });

  it('receives what was written elsewhere meanwhile once it is up', async () => {
    // A multi-region key whose primary is in B, with a replica in A.
    const key = (await kms(B).createKey({ MultiRegion: true })).KeyMetadata!;
    const keyId = key.KeyId!;
    await kms(B).replicateKey({ KeyId: keyId, ReplicaRegion: A });
    await syncReplication();
    await eventually(async () => assert.equal((await kms(A).describeKey({ KeyId: keyId })).KeyMetadata!.KeyState, 'Enabled'));

    await regionDown(A);
    let made: Uint8Array;
    let rotated: string | undefined;
    try {
      // While A is down the primary rotates (new material, new shared state) and encrypts with it.
      await kms(B).rotateKeyOnDemand({ KeyId: keyId });
      rotated = (await kms(B).describeKey({ KeyId: keyId })).KeyMetadata!.CurrentKeyMaterialId;
      made = (await kms(B).encrypt({ KeyId: keyId, Plaintext: utf8('written while A was down') })).CiphertextBlob!;
      await syncReplication(); // caught up with every region that is up; A's share waits
      await assert.rejects(kms(A).describeKey({ KeyId: keyId }), { name: 'ServiceUnavailableException' });
      // A's replica of the table has not received the new material yet.
      const inA = await scanTable(A);
      assert.ok(!inA.some((item) => item.pk === `MATERIAL#${keyId}` && item.sk === rotated), 'no replication into a down region');
      assert.ok((await scanTable(B)).some((item) => item.pk === `MATERIAL#${keyId}` && item.sk === rotated));
    } finally {
      await regionUp(A);
    }
    await syncReplication();
    const opened = await eventually(() => kms(A).decrypt({ CiphertextBlob: made }));
    assertBytesEqual(opened.Plaintext, utf8('written while A was down'));
    assert.equal(opened.KeyMaterialId, rotated);
    await eventually(async () => assert.equal((await kms(A).describeKey({ KeyId: keyId })).KeyMetadata!.CurrentKeyMaterialId, rotated));
  });

  it('decrypts in the replica what the rotated primary encrypted', async () => {
    const { keyId } = await replicatedKey();
    await kms(A).rotateKeyOnDemand({ KeyId: keyId });
    const current = (await kms(A).describeKey({ KeyId: keyId })).KeyMetadata!.CurrentKeyMaterialId;
    const made = await kms(A).encrypt({ KeyId: keyId, Plaintext: utf8('new material') });
    await syncReplication();
    await regionDown(A);
    try {
      const opened = await kms(B).decrypt({ CiphertextBlob: made.CiphertextBlob! });
      assertBytesEqual(opened.Plaintext, utf8('new material'));
      assert.equal(opened.KeyMaterialId, current);
    } finally {
      await regionUp(A);
    }
  });
});

describe('a multi-region key with imported material', () => {
  it('decrypts in the replica region, which has the same bytes imported, while the primary\'s region is down', async () => {
    const key = (await kms(A).createKey({ MultiRegion: true, Origin: 'EXTERNAL' })).KeyMetadata!;
    const material = randomBytes(32);
    await importInto(A, key.KeyId!, material);
    await kms(A).replicateKey({ KeyId: key.KeyId!, ReplicaRegion: B });
    await syncReplication();
    await eventually(async () => assert.equal((await kms(B).describeKey({ KeyId: key.KeyId! })).KeyMetadata!.KeyState, 'PendingImport'));
    await importInto(B, key.KeyId!, material);
    const made = await kms(A).encrypt({ KeyId: key.KeyId!, Plaintext: utf8('imported, then the region failed') });
    await regionDown(A);
    try {
      await assert.rejects(kms(A).decrypt({ CiphertextBlob: made.CiphertextBlob! }), { name: 'ServiceUnavailableException' });
      const opened = await kms(B).decrypt({ CiphertextBlob: made.CiphertextBlob! });
      assertBytesEqual(opened.Plaintext, utf8('imported, then the region failed'));
    } finally {
      await regionUp(A);
    }
  });
});

describe('a replica that appears after its primary was scheduled for deletion', () => {
  it('makes the primary wait for it at the end of its window instead of deleting the shared material', async () => {
    const key = (await kms(A).createKey({ MultiRegion: true })).KeyMetadata!;
    const made = await kms(A).encrypt({ KeyId: key.KeyId!, Plaintext: utf8('still needed in B') });
    const scheduled = await kms(A).scheduleKeyDeletion({ KeyId: key.KeyId!, PendingWindowInDays: 7 });
    assert.equal(scheduled.KeyState, 'PendingDeletion');
    // What a ReplicateKey racing that ScheduleKeyDeletion would leave: a replica in B, written in B's own
    // table (as ReplicateKey writes it) and reaching A only through replication.
    const db = new DynamoDBClient({ region: B, endpoint: process.env.KMS_DYNAMODB_ENDPOINT, credentials: DYNAMODB_LOCAL_CREDENTIALS });
    const home = (await scanTable(A)).find((item) => item.pk === `KEY#${A}#${key.KeyId}` && item.sk === 'META')!;
    const { deletionDate: _d, pendingWindowInDays: _p, dueDeletionPk: _dp, dueDeletionAt: _da, ...enabled } = home;
    const replica = { ...enabled, pk: `KEY#${B}#${key.KeyId}`, region: B, arn: keyArn(key.KeyId!, B), keyState: 'Enabled', primaryRegion: A, revision: 1 };
    await db.send(new PutItemCommand({ TableName: process.env.KMS_TABLE_NAME, Item: marshall(replica, { removeUndefinedValues: true }) }));
    db.destroy();
    await syncReplication();

    await runJob('deletion', { region: A, now: daysFrom(new Date(), 8) });
    const primary = (await kms(A).describeKey({ KeyId: key.KeyId! })).KeyMetadata!;
    assert.equal(primary.KeyState, 'PendingReplicaDeletion');
    assert.equal(primary.PendingDeletionWindowInDays, 7);
    await eventually(async () => {
      const opened = await kms(B).decrypt({ CiphertextBlob: made.CiphertextBlob! });
      assertBytesEqual(opened.Plaintext, utf8('still needed in B'));
    });
  });
});

describe('the AWS Encryption SDK with multi-region-key-aware keyrings', () => {
  it('encrypts with the primary and decrypts with the replica while the primary region is down', async () => {
    const { homeArn, recoveryArn } = await replicatedKey();
    const plaintext = Buffer.from('an Encryption SDK message for disaster recovery');
    const context = { app: 'dr-test' };
    const { result } = await esdk.encrypt(buildAwsKmsMrkAwareStrictMultiKeyringNode({ generatorKeyId: homeArn, clientProvider }), plaintext, {
      encryptionContext: context,
    });

    await regionDown(A);
    try {
      // Strict: configured with the replica's ARN, it matches the primary's ARN in the message (same mrk id).
      const strict = await esdk.decrypt(buildAwsKmsMrkAwareStrictMultiKeyringNode({ keyIds: [recoveryArn], clientProvider }), result);
      assert.ok(strict.plaintext.equals(plaintext));
      assert.equal(strict.messageHeader.encryptionContext.app, 'dr-test');
      // Discovery: any multi-region key of the account, asked for in region B.
      const discovery = buildAwsKmsMrkAwareDiscoveryMultiKeyringNode({
        regions: [B],
        clientProvider,
        discoveryFilter: { accountIDs: [ACCOUNT], partition: 'aws' },
      });
      assert.ok((await esdk.decrypt(discovery, result)).plaintext.equals(plaintext));
      // A plain (not MRK-aware) keyring for the home ARN needs the home region, which is down.
      await assert.rejects(esdk.decrypt(buildAwsKmsMrkAwareStrictMultiKeyringNode({ keyIds: [homeArn], clientProvider }), result));
    } finally {
      await regionUp(A);
    }
  });
});

describe('recovery decrypts for a region declared failed (beyond AWS)', () => {
  it('decrypts a single-region key of the failed region only after the declaration, audited, policy enforced', async () => {
    // The account may use the key; alice (same account) is denied Decrypt by the key policy.
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'account', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
        { Sid: 'not-alice', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    });
    const key = (await kms(A).createKey({ Description: 'single-region key in the home region', Policy: policy })).KeyMetadata!;
    const made = await kms(A).encrypt({ KeyId: key.KeyId!, Plaintext: utf8('single-region secret') });
    await syncReplication();

    await regionDown(A);
    try {
      // Like AWS: B knows nothing of A's single-region key.
      await assert.rejects(kms(B).decrypt({ CiphertextBlob: made.CiphertextBlob! }), { name: 'AccessDeniedException' });

      await declareFailed(A, B, 'rehearsal');
      const opened = await kms(B).decrypt({ CiphertextBlob: made.CiphertextBlob! });
      assertBytesEqual(opened.Plaintext, utf8('single-region secret'));
      assert.equal(opened.KeyId, key.Arn); // the failed region's key, not a key of B
      await assert.rejects(clientFor('alice', B).decrypt({ CiphertextBlob: made.CiphertextBlob! }), { name: 'AccessDeniedException' });

      await withdrawFailure(A, B);
      await assert.rejects(kms(B).decrypt({ CiphertextBlob: made.CiphertextBlob! }), { name: 'AccessDeniedException' });
    } finally {
      await regionUp(A);
    }

    // The declaration, its withdrawal and the recovery decrypt are in B's audit trail.
    const day = new Date().toISOString().slice(0, 10);
    const records = await eventually(async () => {
      const lines = readJsonLines(`audit/${day}.jsonl`).filter((r) => r.awsRegion === B);
      const names = lines.map((r) => r.eventName);
      assert.ok(names.includes('DeclareRegionFailed') && names.includes('WithdrawRegionFailure'), names.join(','));
      return lines;
    });
    const declaration = records.find((r) => r.eventName === 'DeclareRegionFailed')!;
    assert.equal(declaration.serviceEventDetails.failedRegion, A);
    assert.equal(declaration.serviceEventDetails.reason, 'rehearsal');
    const recovered = records.find((r) => r.eventName === 'Decrypt' && r.errorCode === undefined && r.resources?.[0]?.ARN === key.Arn);
    assert.ok(recovered, 'the recovery decrypt has an audit record naming the failed region key');
  });
});

describe('recovery decrypts through the AWS Encryption SDK', () => {
  it("decrypts a message of the failed region's single-region key when its client points at the recovery region", async () => {
    const key = (await kms(A).createKey({ Description: 'single-region key for an Encryption SDK message' })).KeyMetadata!;
    const plaintext = Buffer.from('an Encryption SDK message under a single-region key');
    const { result } = await esdk.encrypt(new KmsKeyringNode({ generatorKeyId: key.Arn!, clientProvider }), plaintext);
    await syncReplication();
    // The operator's keyring: the failed region's requests go to the recovery region's endpoint.
    const toRecovery: KmsNodeClientSupplier = () => clientProvider(B);
    const keyring = new KmsKeyringNode({ keyIds: [key.Arn!], clientProvider: toRecovery });

    await regionDown(A);
    try {
      await assert.rejects(esdk.decrypt(keyring, result)); // not declared failed: B does not know A's key
      await declareFailed(A, B, 'esdk rehearsal');
      const { plaintext: opened } = await esdk.decrypt(keyring, result);
      assert.ok(opened.equals(plaintext));
    } finally {
      await withdrawFailure(A, B);
      await regionUp(A);
    }
  });
});

describe('npm run region', () => {
  it('takes a region down and up, and reports the status, against the running service', async () => {
    const cli = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../infra/local/region-cli.ts', import.meta.url)), ...args], { env: process.env }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        ),
      );
    const down = await cli('down', A);
    try {
      assert.equal(down.code, 0, down.stderr);
      const status = JSON.parse((await cli('status')).stdout) as { globalTable: string[]; down: string[] };
      assert.ok(status.globalTable.includes(A) && status.globalTable.includes(B));
      assert.ok(status.down.includes(A));
      await assert.rejects(kms(A).listKeys({}), { name: 'ServiceUnavailableException' });
    } finally {
      assert.equal((await cli('up', A)).code, 0);
    }
    await kms(A).listKeys({});
    assert.equal((await cli('sync')).code, 0);
    const usage = await cli('sideways', A);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /usage: npm run region/);
  });
});
