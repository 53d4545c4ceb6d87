/**
 * GetKeyLastUsage (AWS 2026): the key's last successful cryptographic operation in its region, with the
 * audit record's event id and the request id, TrackingStartDate and KeyCreationDate; key id or ARN only,
 * not across accounts. Usage is recorded off the request path (shared/keys/key-usage.ts): this service's
 * own answers see the newest use at once.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GetKeyLastUsageCommand, type KMS } from '@aws-sdk/client-kms';
import { createKey, expectKmsError, kms, uniqueAlias, utf8 } from './helpers.js';
import { waitForRecord } from './audit-files.js';
import { clientFor } from './principals.js';

const lastUsage = (client: KMS, KeyId: string) => client.send(new GetKeyLastUsageCommand({ KeyId }));

describe('GetKeyLastUsage', () => {
  test('a new key: no usage yet, tracked since its creation', async () => {
    const key = await createKey({});
    const out = await lastUsage(kms(), key.KeyId!);
    assert.equal(out.KeyId, key.KeyId);
    assert.deepEqual(out.KeyLastUsage ?? {}, {});
    assert.equal(out.KeyCreationDate?.getTime(), key.CreationDate!.getTime());
    assert.equal(out.TrackingStartDate?.getTime(), key.CreationDate!.getTime());
  });

  test('the last successful operation, its time, audit event id and request id; failures and dry runs do not count', async () => {
    const key = await createKey({});
    const before = Date.now() - 1000;
    const encrypted = await kms().encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), EncryptionContext: { a: 'b' } });
    const encryptId = encrypted.$metadata.requestId!;
    const afterEncrypt = await lastUsage(kms(), key.Arn!);
    assert.equal(afterEncrypt.KeyLastUsage?.Operation, 'Encrypt');
    assert.equal(afterEncrypt.KeyLastUsage?.KmsRequestId, encryptId);
    const record = await waitForRecord('Encrypt', (r) => r.requestID === encryptId);
    assert.equal(afterEncrypt.KeyLastUsage?.CloudTrailEventId, record.eventID);
    const at = afterEncrypt.KeyLastUsage!.Timestamp!.getTime();
    assert.ok(at >= before && at <= Date.now() + 1000, `timestamp ${at}`);

    // Within the recorder's interval: this process still answers with the newest use.
    const decrypted = await kms().decrypt({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { a: 'b' } });
    const afterDecrypt = await lastUsage(kms(), key.KeyId!);
    assert.equal(afterDecrypt.KeyLastUsage?.Operation, 'Decrypt');
    assert.equal(afterDecrypt.KeyLastUsage?.KmsRequestId, decrypted.$metadata.requestId);

    await expectKmsError(kms().decrypt({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: { a: 'c' } }), 'InvalidCiphertextException');
    await expectKmsError(kms().encrypt({ KeyId: key.KeyId, Plaintext: utf8('x'), DryRun: true }), 'DryRunOperationException');
    await kms().describeKey({ KeyId: key.KeyId });
    const unchanged = await lastUsage(kms(), key.KeyId!);
    assert.equal(unchanged.KeyLastUsage?.KmsRequestId, decrypted.$metadata.requestId);
  });

  test('ReEncrypt counts for both keys; a MAC, a signature and a data key count for theirs', async () => {
    const [source, destination, hmac, signing] = await Promise.all([
      createKey({}),
      createKey({}),
      createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
      createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    ]);
    const blob = (await kms().encrypt({ KeyId: source.KeyId, Plaintext: utf8('x') })).CiphertextBlob;
    const re = await kms().reEncrypt({ CiphertextBlob: blob, DestinationKeyId: destination.KeyId });
    for (const key of [source, destination]) {
      const out = await lastUsage(kms(), key.KeyId!);
      assert.equal(out.KeyLastUsage?.Operation, 'ReEncrypt');
      assert.equal(out.KeyLastUsage?.KmsRequestId, re.$metadata.requestId);
    }
    await kms().generateMac({ KeyId: hmac.KeyId, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256' });
    assert.equal((await lastUsage(kms(), hmac.KeyId!)).KeyLastUsage?.Operation, 'GenerateMac');
    await kms().sign({ KeyId: signing.KeyId, Message: utf8('m'), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
    assert.equal((await lastUsage(kms(), signing.KeyId!)).KeyLastUsage?.Operation, 'Sign');
    await kms().generateDataKeyWithoutPlaintext({ KeyId: destination.KeyId, KeySpec: 'AES_256' });
    assert.equal((await lastUsage(kms(), destination.KeyId!)).KeyLastUsage?.Operation, 'GenerateDataKeyWithoutPlaintext');
  });

  test('key id or ARN only: an alias, an unknown key and another account\'s key are NotFoundException', async () => {
    const key = await createKey({});
    const alias = uniqueAlias('usage');
    await kms().createAlias({ AliasName: alias, TargetKeyId: key.KeyId });
    await expectKmsError(lastUsage(kms(), alias), 'NotFoundException');
    await expectKmsError(lastUsage(kms(), `${key.Arn!.replace(/:key\/.*/, '')}:${alias}`), 'NotFoundException');
    // Not across accounts (AWS: "Cross-account use: No").
    await expectKmsError(lastUsage(clientFor('carol'), key.Arn!), 'NotFoundException');
    // Any key state: a disabled key still answers.
    await kms().disableKey({ KeyId: key.KeyId });
    assert.equal((await lastUsage(kms(), key.KeyId!)).KeyId, key.KeyId);
  });
});
