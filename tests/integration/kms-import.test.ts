/**
 * Imported key material over HTTP with the AWS SDK (KMS-REFERENCE §3, §9, §11): CreateKey Origin EXTERNAL,
 * GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial, the PendingImport state, re-import
 * of the same material only, and the expiry job (expiry at ValidTo and not before, once when two runs
 * race, the `KMS Imported Key Material Expiration` event and the `DeleteExpiredKeyMaterial` service
 * event). Key material is wrapped here with node:crypto, as a user would (tests/support/wrap-key-material.ts).
 *
 * Runs jobs, so everything happens in a region of its own (ap-south-1): a job acts on every due key of its region.
 */
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { KeyMetadata } from '@aws-sdk/client-kms';
import { issueImportToken, generateWrappingKeyPair } from '../../shared/core/import-token.js';
import { MaterialVault } from '../../shared/core/material-vault.js';
import { wrapKeyMaterial, type TestWrappingAlgorithm } from '../support/wrap-key-material.js';
import { ACCOUNT, KEY_MATERIAL_ID_RE, createKey, describeKey, expectKmsError, kms, utf8 } from './helpers.js';
import { DAY_MS, dataDir, readJsonLines, runJob } from './jobs.js';
import { scanTable } from './table.js';
import { waitForRecord } from './audit-files.js';

const REGION = 'ap-south-1';
const client = () => kms(REGION);
const arnOf = (keyId: string) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyId}`;

async function externalKey(): Promise<KeyMetadata> {
  return createKey({ Origin: 'EXTERNAL', Description: 'imported' }, REGION);
}

interface ImportOptions {
  algorithm?: TestWrappingAlgorithm;
  spec?: 'RSA_2048' | 'RSA_3072' | 'RSA_4096';
  validTo?: Date;
  expirationModel?: 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';
  importType?: 'NEW_KEY_MATERIAL' | 'EXISTING_KEY_MATERIAL';
  description?: string;
  keyMaterialId?: string;
}

/** GetParametersForImport, wrap, ImportKeyMaterial: what a user does. */
async function importMaterial(keyId: string, material: Buffer, options: ImportOptions = {}) {
  const algorithm = options.algorithm ?? 'RSAES_OAEP_SHA_256';
  const params = await client().getParametersForImport({ KeyId: keyId, WrappingAlgorithm: algorithm, WrappingKeySpec: options.spec ?? 'RSA_2048' });
  const expirationModel = options.expirationModel ?? (options.validTo ? 'KEY_MATERIAL_EXPIRES' : 'KEY_MATERIAL_DOES_NOT_EXPIRE');
  return client().importKeyMaterial({
    KeyId: keyId,
    ImportToken: params.ImportToken,
    EncryptedKeyMaterial: wrapKeyMaterial(params.PublicKey!, algorithm, material),
    ExpirationModel: expirationModel,
    ValidTo: options.validTo,
    ImportType: options.importType,
    KeyMaterialDescription: options.description,
    KeyMaterialId: options.keyMaterialId,
  });
}

async function encrypt(keyId: string, text = 'hello') {
  const out = await client().encrypt({ KeyId: keyId, Plaintext: utf8(text) });
  return out.CiphertextBlob!;
}

async function decryptText(blob: Uint8Array): Promise<string> {
  const out = await client().decrypt({ CiphertextBlob: blob });
  return Buffer.from(out.Plaintext!).toString('utf8');
}

describe('Origin EXTERNAL keys before import', () => {
  test('CreateKey: PendingImport, Enabled false, Origin EXTERNAL, no CurrentKeyMaterialId, no expiry fields', async () => {
    const created = await externalKey();
    for (const metadata of [created, await describeKey(created.KeyId!, REGION)]) {
      assert.equal(metadata.Origin, 'EXTERNAL');
      assert.equal(metadata.KeyState, 'PendingImport');
      assert.equal(metadata.Enabled, false);
      assert.equal(metadata.CurrentKeyMaterialId, undefined);
      assert.equal(metadata.ExpirationModel, undefined);
      assert.equal(metadata.ValidTo, undefined);
      assert.equal(metadata.KeySpec, 'SYMMETRIC_DEFAULT');
    }
  });

  test('a PendingImport key refuses Encrypt, GenerateDataKey, EnableKey and DisableKey: "<arn> is pending import."', async () => {
    const { KeyId, Arn } = await externalKey();
    const message = `${Arn} is pending import.`;
    await expectKmsError(client().encrypt({ KeyId, Plaintext: utf8('x') }), 'KMSInvalidStateException', message);
    await expectKmsError(client().generateDataKey({ KeyId, KeySpec: 'AES_256' }), 'KMSInvalidStateException', message);
    await expectKmsError(client().enableKey({ KeyId }), 'KMSInvalidStateException', message);
    await expectKmsError(client().disableKey({ KeyId }), 'KMSInvalidStateException', message);
  });

  test('import operations on an AWS_KMS key: UnsupportedOperationException "<arn> origin is AWS_KMS which is not valid for this operation."', async () => {
    const { KeyId, Arn } = await createKey({}, REGION);
    const message = `${Arn} origin is AWS_KMS which is not valid for this operation.`;
    await expectKmsError(
      client().getParametersForImport({ KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }),
      'UnsupportedOperationException',
      message,
    );
    await expectKmsError(client().deleteImportedKeyMaterial({ KeyId }), 'UnsupportedOperationException', message);
  });

  test('GetParametersForImport: key ARN, DER public key of the spec, a token of at most 6144 bytes, valid for 24 hours', async () => {
    const { KeyId } = await externalKey();
    for (const spec of ['RSA_2048', 'RSA_3072', 'RSA_4096'] as const) {
      const before = Date.now();
      const out = await client().getParametersForImport({ KeyId, WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256', WrappingKeySpec: spec });
      assert.equal(out.KeyId, arnOf(KeyId!));
      const publicKey = createPublicKey({ key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' });
      assert.equal(publicKey.asymmetricKeyType, 'rsa');
      assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, Number(spec.slice(4)));
      assert.ok(out.ImportToken!.length > 0 && out.ImportToken!.length <= 6144, `token of ${out.ImportToken!.length} bytes`);
      const validTo = out.ParametersValidTo!.getTime();
      assert.ok(validTo >= before + DAY_MS - 2000 && validTo <= Date.now() + DAY_MS + 2000, `ParametersValidTo ${out.ParametersValidTo!.toISOString()}`);
    }
  });
});

describe('ImportKeyMaterial', () => {
  for (const [algorithm, spec] of [
    ['RSAES_OAEP_SHA_1', 'RSA_2048'],
    ['RSAES_OAEP_SHA_256', 'RSA_3072'],
    ['RSA_AES_KEY_WRAP_SHA_1', 'RSA_2048'],
    ['RSA_AES_KEY_WRAP_SHA_256', 'RSA_4096'],
  ] as const) {
    test(`${algorithm} with ${spec}: the key becomes Enabled and encrypts`, async () => {
      const { KeyId } = await externalKey();
      const out = await importMaterial(KeyId!, randomBytes(32), { algorithm, spec });
      assert.equal(out.KeyId, arnOf(KeyId!));
      assert.match(out.KeyMaterialId!, KEY_MATERIAL_ID_RE);
      const metadata = await describeKey(KeyId!, REGION);
      assert.equal(metadata.KeyState, 'Enabled');
      assert.equal(metadata.Enabled, true);
      assert.equal(metadata.Origin, 'EXTERNAL');
      assert.equal(metadata.CurrentKeyMaterialId, out.KeyMaterialId);
      assert.equal(metadata.ExpirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE');
      assert.equal(metadata.ValidTo, undefined);
      assert.equal(await decryptText(await encrypt(KeyId!, algorithm)), algorithm);
    });
  }

  test('KEY_MATERIAL_EXPIRES: DescribeKey shows ExpirationModel and ValidTo; re-importing the same material changes ValidTo', async () => {
    const { KeyId } = await externalKey();
    const material = randomBytes(32);
    const validTo = new Date(Math.floor((Date.now() + 30 * DAY_MS) / 1000) * 1000);
    const first = await importMaterial(KeyId!, material, { validTo });
    let metadata = await describeKey(KeyId!, REGION);
    assert.equal(metadata.ExpirationModel, 'KEY_MATERIAL_EXPIRES');
    assert.equal(metadata.ValidTo?.getTime(), validTo.getTime());
    assert.equal(metadata.CurrentKeyMaterialId, first.KeyMaterialId);
    const blob = await encrypt(KeyId!);

    const later = new Date(validTo.getTime() + 10 * DAY_MS);
    const second = await importMaterial(KeyId!, material, { validTo: later, algorithm: 'RSA_AES_KEY_WRAP_SHA_1' });
    assert.equal(second.KeyMaterialId, first.KeyMaterialId);
    metadata = await describeKey(KeyId!, REGION);
    assert.equal(metadata.ValidTo?.getTime(), later.getTime());
    await importMaterial(KeyId!, material, { expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' });
    metadata = await describeKey(KeyId!, REGION);
    assert.equal(metadata.ExpirationModel, 'KEY_MATERIAL_DOES_NOT_EXPIRE');
    assert.equal(metadata.ValidTo, undefined);
    assert.equal(await decryptText(blob), 'hello');
  });

  test('different material: IncorrectKeyMaterialException, before and after the first material was deleted', async () => {
    const { KeyId } = await externalKey();
    await importMaterial(KeyId!, randomBytes(32));
    await expectKmsError(importMaterial(KeyId!, randomBytes(32)), 'IncorrectKeyMaterialException');
    await client().deleteImportedKeyMaterial({ KeyId });
    await expectKmsError(importMaterial(KeyId!, randomBytes(32)), 'IncorrectKeyMaterialException');
    assert.equal((await describeKey(KeyId!, REGION)).KeyState, 'PendingImport');
  });

  test('ExpirationModel and ValidTo rules (ValidationException)', async () => {
    const { KeyId } = await externalKey();
    const material = randomBytes(32);
    await expectKmsError(
      importMaterial(KeyId!, material, { expirationModel: 'KEY_MATERIAL_EXPIRES' }),
      'ValidationException',
      'A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES',
    );
    // ExpirationModel omitted defaults to KEY_MATERIAL_EXPIRES, so ValidTo is required then too.
    const params = await client().getParametersForImport({ KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_1', WrappingKeySpec: 'RSA_2048' });
    await expectKmsError(
      client().importKeyMaterial({ KeyId, ImportToken: params.ImportToken, EncryptedKeyMaterial: wrapKeyMaterial(params.PublicKey!, 'RSAES_OAEP_SHA_1', material) }),
      'ValidationException',
      'A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES',
    );
    // AWS's wording of these three is unverified.
    await expectKmsError(importMaterial(KeyId!, material, { validTo: new Date(Date.now() - 60_000) }), 'ValidationException');
    await expectKmsError(importMaterial(KeyId!, material, { validTo: new Date(Date.now() + 366 * DAY_MS) }), 'ValidationException');
    await expectKmsError(
      importMaterial(KeyId!, material, { validTo: new Date(Date.now() + DAY_MS), expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }),
      'ValidationException',
    );
    assert.equal((await describeKey(KeyId!, REGION)).KeyState, 'PendingImport');
    // 365 days is allowed.
    await importMaterial(KeyId!, material, { validTo: new Date(Date.now() + 365 * DAY_MS - 60_000) });
  });

  test("a token of another key: InvalidImportTokenException; a corrupt token too", async () => {
    const a = await externalKey();
    const b = await externalKey();
    const params = await client().getParametersForImport({ KeyId: a.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const encrypted = wrapKeyMaterial(params.PublicKey!, 'RSAES_OAEP_SHA_256', randomBytes(32));
    const request = { EncryptedKeyMaterial: encrypted, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' as const };
    await expectKmsError(client().importKeyMaterial({ KeyId: b.KeyId, ImportToken: params.ImportToken, ...request }), 'InvalidImportTokenException');
    const corrupt = Buffer.from(params.ImportToken!);
    corrupt[corrupt.length - 5]! ^= 1;
    await expectKmsError(client().importKeyMaterial({ KeyId: a.KeyId, ImportToken: corrupt, ...request }), 'InvalidImportTokenException');
    // The right token still works.
    await client().importKeyMaterial({ KeyId: a.KeyId, ImportToken: params.ImportToken, ...request });
  });

  test('material wrapped under another public key, or garbage: InvalidCiphertextException', async () => {
    const { KeyId } = await externalKey();
    const params = await client().getParametersForImport({ KeyId, WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const other = await client().getParametersForImport({ KeyId, WrappingAlgorithm: 'RSA_AES_KEY_WRAP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const request = { KeyId, ImportToken: params.ImportToken, ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' as const };
    await expectKmsError(
      client().importKeyMaterial({ ...request, EncryptedKeyMaterial: wrapKeyMaterial(other.PublicKey!, 'RSA_AES_KEY_WRAP_SHA_256', randomBytes(32)) }),
      'InvalidCiphertextException',
    );
    await expectKmsError(client().importKeyMaterial({ ...request, EncryptedKeyMaterial: randomBytes(300) }), 'InvalidCiphertextException');
    // SHA-1 wrapping under a token issued for SHA-256.
    await expectKmsError(
      client().importKeyMaterial({ ...request, EncryptedKeyMaterial: wrapKeyMaterial(params.PublicKey!, 'RSA_AES_KEY_WRAP_SHA_1', randomBytes(32)) }),
      'InvalidCiphertextException',
    );
  });

  test('an expired token: ExpiredImportTokenException', async (t) => {
    // A token whose ParametersValidTo has passed, sealed under the service's root key (white box: the
    // service's clock cannot be moved, and a real token lasts 24 hours).
    const rootKeyFile = join(dataDir(), 'root-key');
    if (process.env.KMS_ROOT_KEY || !existsSync(rootKeyFile)) return t.skip('the root key is not in the data directory');
    const rootKey = Buffer.from(readFileSync(rootKeyFile, 'utf8').trim(), 'base64');
    const vault = new MaterialVault({ rootKeyId: 'test', rootKey: async () => rootKey }, { bytes: (n) => randomBytes(n) });
    const { KeyId, Arn } = await externalKey();
    const pair = await generateWrappingKeyPair('RSA_2048');
    const token = await issueImportToken(
      vault,
      { keyArn: Arn!, parametersValidTo: Date.now() - 1000, wrappingAlgorithm: 'RSAES_OAEP_SHA_256', wrappingKeySpec: 'RSA_2048' },
      pair.privateKey,
    );
    await expectKmsError(
      client().importKeyMaterial({
        KeyId,
        ImportToken: token,
        EncryptedKeyMaterial: wrapKeyMaterial(pair.publicKey, 'RSAES_OAEP_SHA_256', randomBytes(32)),
        ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      }),
      'ExpiredImportTokenException',
    );
  });
});

describe('keys of other specs hold one material', () => {
  test('ImportType is refused for an HMAC key (ValidationException); without it the material imports', async () => {
    const { KeyId } = await createKey({ Origin: 'EXTERNAL', KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }, REGION);
    const material = randomBytes(32);
    const params = await client().getParametersForImport({ KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
    const request = {
      KeyId,
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: wrapKeyMaterial(params.PublicKey!, 'RSAES_OAEP_SHA_256', material),
      ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' as const,
    };
    await expectKmsError(client().importKeyMaterial({ ...request, ImportType: 'NEW_KEY_MATERIAL' }), 'ValidationException');
    assert.equal((await describeKey(KeyId!, REGION)).KeyState, 'PendingImport');
    await client().importKeyMaterial(request);
    assert.equal((await describeKey(KeyId!, REGION)).KeyState, 'Enabled');
  });
});

describe('DeleteImportedKeyMaterial and re-import', () => {
  test('deleting makes the key PendingImport; re-importing the same material restores it and old ciphertexts decrypt', async () => {
    const { KeyId, Arn } = await externalKey();
    const material = randomBytes(32);
    const imported = await importMaterial(KeyId!, material);
    const blob = await encrypt(KeyId!, 'before');

    const deleted = await client().deleteImportedKeyMaterial({ KeyId });
    assert.equal(deleted.KeyId, Arn);
    assert.equal(deleted.KeyMaterialId, imported.KeyMaterialId);
    const metadata = await describeKey(KeyId!, REGION);
    assert.equal(metadata.KeyState, 'PendingImport');
    assert.equal(metadata.Enabled, false);
    assert.equal(metadata.CurrentKeyMaterialId, imported.KeyMaterialId, 'the deleted material is still named [obs]');
    assert.equal(metadata.ExpirationModel, undefined);
    await expectKmsError(client().decrypt({ CiphertextBlob: blob }), 'KMSInvalidStateException', `${Arn} is pending import.`);
    // Deleting again has no effect.
    const again = await client().deleteImportedKeyMaterial({ KeyId });
    assert.equal(again.KeyId, Arn);
    assert.equal(again.KeyMaterialId, '');

    const reimported = await importMaterial(KeyId!, material, { algorithm: 'RSA_AES_KEY_WRAP_SHA_256' });
    assert.equal(reimported.KeyMaterialId, imported.KeyMaterialId);
    assert.equal((await describeKey(KeyId!, REGION)).KeyState, 'Enabled');
    assert.equal(await decryptText(blob), 'before');
  });

  test('a key pending deletion loses its material and stays PendingDeletion', async () => {
    const { KeyId } = await externalKey();
    const imported = await importMaterial(KeyId!, randomBytes(32));
    await client().scheduleKeyDeletion({ KeyId, PendingWindowInDays: 7 });
    await client().deleteImportedKeyMaterial({ KeyId });
    const metadata = await describeKey(KeyId!, REGION);
    assert.equal(metadata.KeyState, 'PendingDeletion');
    assert.equal(metadata.CurrentKeyMaterialId, imported.KeyMaterialId, 'the deleted material is still named [obs]');
  });
});

describe('the expiry job', () => {
  const expirationEvents = (keyId: string) =>
    readJsonLines('events.jsonl').filter((e) => e['detail-type'] === 'KMS Imported Key Material Expiration' && e.detail?.['key-id'] === keyId);
  const auditRecords = (arn: string) => {
    const dir = join(dataDir(), 'audit');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(name))
      .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line)))
      .filter((r) => r.eventName === 'DeleteExpiredKeyMaterial' && r.resources?.[0]?.ARN === arn);
  };

  test('expires material at ValidTo, not before; event and service event once; the same material re-imports', async () => {
    const { KeyId, Arn } = await externalKey();
    const material = randomBytes(32);
    const validTo = new Date(Math.floor((Date.now() + 2 * DAY_MS) / 1000) * 1000);
    const imported = await importMaterial(KeyId!, material, { validTo });
    const blob = await encrypt(KeyId!, 'kept');

    await runJob('expiry', { now: new Date(validTo.getTime() - DAY_MS), region: REGION });
    await runJob('expiry', { now: new Date(validTo.getTime() - 1), region: REGION });
    let metadata = await describeKey(KeyId!, REGION);
    assert.equal(metadata.KeyState, 'Enabled', 'not expired before ValidTo');
    assert.equal(metadata.CurrentKeyMaterialId, imported.KeyMaterialId);
    assert.equal(expirationEvents(KeyId!).length, 0);

    const report = await runJob('expiry', { now: validTo, region: REGION });
    assert.equal(report.failures.length, 0, JSON.stringify(report.failures));
    assert.ok(report.done >= 1);
    metadata = await describeKey(KeyId!, REGION);
    assert.equal(metadata.KeyState, 'PendingImport');
    assert.equal(metadata.Enabled, false);
    assert.equal(metadata.CurrentKeyMaterialId, imported.KeyMaterialId, 'the expired material is still named');
    assert.equal(metadata.ValidTo, undefined);
    await expectKmsError(client().encrypt({ KeyId, Plaintext: utf8('x') }), 'KMSInvalidStateException', `${Arn} is pending import.`);
    // The material's bytes are gone from the table; its record stays, PENDING_IMPORT (ListKeyRotations shows it).
    const materials = (await scanTable(REGION)).filter((item) => item.pk === `MATERIAL#${KeyId}`);
    assert.equal(materials.length, 1);
    assert.equal(materials[0]!.wrapped, undefined);
    assert.equal(materials[0]!.importState, 'PENDING_IMPORT');

    const events = expirationEvents(KeyId!);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.source, 'aws.kms');
    assert.equal(events[0]!.region, REGION);
    assert.equal(events[0]!.account, ACCOUNT);
    assert.deepEqual(events[0]!.resources, [Arn]);
    assert.equal(events[0]!.detail['key-material-id'], imported.KeyMaterialId);
    const records = auditRecords(Arn!);
    assert.equal(records.length, 1);
    assert.equal(records[0].eventType, 'AwsServiceEvent');
    assert.equal(records[0].eventSource, 'kms.amazonaws.com');
    assert.deepEqual(records[0].userIdentity, { accountId: ACCOUNT, invokedBy: 'AWS Internal' });
    assert.deepEqual(records[0].serviceEventDetails, { keyId: KeyId, keyMaterialId: imported.KeyMaterialId });

    // A later run finds nothing to do for the key.
    await runJob('expiry', { now: new Date(validTo.getTime() + DAY_MS), region: REGION });
    assert.equal(expirationEvents(KeyId!).length, 1);
    assert.equal(auditRecords(Arn!).length, 1);

    await expectKmsError(importMaterial(KeyId!, randomBytes(32)), 'IncorrectKeyMaterialException');
    const reimported = await importMaterial(KeyId!, material);
    assert.equal(reimported.KeyMaterialId, imported.KeyMaterialId);
    assert.equal(await decryptText(blob), 'kept');
  });

  test('two concurrent runs expire the material once and send the event once; a key pending deletion stays so', async () => {
    const one = await externalKey();
    const pending = await externalKey();
    const validTo = new Date(Math.floor((Date.now() + 3 * DAY_MS) / 1000) * 1000);
    await importMaterial(one.KeyId!, randomBytes(32), { validTo });
    const pendingImport = await importMaterial(pending.KeyId!, randomBytes(32), { validTo });
    await client().scheduleKeyDeletion({ KeyId: pending.KeyId, PendingWindowInDays: 30 });

    const now = new Date(validTo.getTime() + 1000);
    const reports = await Promise.all([runJob('expiry', { now, region: REGION }), runJob('expiry', { now, region: REGION })]);
    for (const report of reports) assert.equal(report.failures.length, 0, JSON.stringify(report.failures));
    // Only these two keys of this file are due by then (the other tests' keys expire earlier or never).
    assert.equal(reports[0]!.done + reports[1]!.done, 2, JSON.stringify(reports));

    assert.equal((await describeKey(one.KeyId!, REGION)).KeyState, 'PendingImport');
    const pendingMetadata = await describeKey(pending.KeyId!, REGION);
    assert.equal(pendingMetadata.KeyState, 'PendingDeletion');
    assert.equal(pendingMetadata.CurrentKeyMaterialId, pendingImport.KeyMaterialId, 'the expired material is still named');
    for (const key of [one, pending]) {
      assert.equal(expirationEvents(key.KeyId!).length, 1);
      assert.equal(auditRecords(key.Arn!).length, 1);
    }
  });
});

describe('several imported materials in one symmetric key (issue 15, item 2)', () => {
  /** ListKeyRotations with every material, as [id, KeyMaterialState, ImportState, ValidTo?] in listing order. */
  async function materials(keyId: string) {
    const { Rotations } = await client().listKeyRotations({ KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' });
    return (Rotations ?? []).map((r) => [r.KeyMaterialId, r.KeyMaterialState, r.ImportState, r.ValidTo?.getTime()]);
  }

  test('import, import new, rotate, expire one, delete one: ListKeyRotations and DescribeKey at every step', async () => {
    const { KeyId, Arn } = await externalKey();
    const [m1, m2, m3] = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const validTo2 = new Date(Math.floor((Date.now() + 10 * DAY_MS) / 1000) * 1000);

    // 1. The first material: current, the key Enabled.
    const first = (await importMaterial(KeyId!, m1, { description: 'first' })).KeyMaterialId!;
    let metadata = await describeKey(KeyId!, REGION);
    assert.equal(metadata.KeyState, 'Enabled');
    assert.equal(metadata.CurrentKeyMaterialId, first);
    assert.deepEqual(await materials(KeyId!), [[first, 'CURRENT', 'IMPORTED', undefined]]);
    const blob1 = await encrypt(KeyId!, 'under the first');

    // 2. New material (with an expiry) waits for the rotation; encryption still uses the first.
    const imported2 = await importMaterial(KeyId!, m2, { importType: 'NEW_KEY_MATERIAL', validTo: validTo2, description: 'second' });
    const second = imported2.KeyMaterialId!;
    assert.notEqual(second, first);
    // The CloudTrail record names the material (request parameters and response elements, no secrets).
    const record = await waitForRecord('ImportKeyMaterial', (r) => r.requestID === imported2.$metadata.requestId);
    assert.equal(record.responseElements?.keyMaterialId, second);
    assert.equal(record.requestParameters?.importType, 'NEW_KEY_MATERIAL');
    assert.equal(record.requestParameters?.encryptedKeyMaterial, undefined);
    assert.deepEqual(await materials(KeyId!), [
      [first, 'CURRENT', 'IMPORTED', undefined],
      [second, 'PENDING_ROTATION', 'IMPORTED', validTo2.getTime()],
    ]);
    metadata = await describeKey(KeyId!, REGION);
    assert.equal(metadata.CurrentKeyMaterialId, first);
    assert.equal(metadata.ValidTo, undefined, 'material pending rotation is not permanently associated: its expiry is not the key\'s');
    // Only one material pending rotation at a time [obs message].
    await expectKmsError(
      importMaterial(KeyId!, m3, { importType: 'NEW_KEY_MATERIAL' }),
      'KMSInvalidStateException',
      new RegExp(`^New key material \\(id: [0-9a-f]{64}\\) cannot be imported into KMS key ${KeyId}, because another key material \\(id: ${second}\\) is pending rotation\\.$`),
    );
    // The first material again as NEW is refused; as EXISTING it re-imports (and may be named).
    await expectKmsError(importMaterial(KeyId!, m1, { importType: 'NEW_KEY_MATERIAL' }), 'IncorrectKeyMaterialException');
    await importMaterial(KeyId!, m1, { importType: 'EXISTING_KEY_MATERIAL', keyMaterialId: first });
    await expectKmsError(importMaterial(KeyId!, m1, { keyMaterialId: second }), 'IncorrectKeyMaterialException');

    // 3. The rotation makes the second current; the first decrypts only.
    assert.equal((await client().rotateKeyOnDemand({ KeyId })).KeyId, Arn);
    metadata = await describeKey(KeyId!, REGION);
    assert.equal(metadata.CurrentKeyMaterialId, second);
    assert.equal(metadata.ValidTo?.getTime(), validTo2.getTime());
    const listed = (await client().listKeyRotations({ KeyId })).Rotations!;
    assert.deepEqual(listed.map((r) => [r.KeyMaterialId, r.KeyMaterialState, r.RotationType, r.KeyMaterialDescription]), [[second, 'CURRENT', 'ON_DEMAND', 'second']]);
    const blob2 = await encrypt(KeyId!, 'under the second');
    assert.equal(await decryptText(blob1), 'under the first');
    await expectKmsError(client().rotateKeyOnDemand({ KeyId }), 'KMSInvalidStateException', `No available key material pending rotation for the key: ${Arn}.`);

    // 4. A third material pending rotation, then the second (current) expires: the key lacks it.
    const third = (await importMaterial(KeyId!, m3, { importType: 'NEW_KEY_MATERIAL', description: 'third' })).KeyMaterialId!;
    const report = await runJob('expiry', { now: new Date(validTo2.getTime() + 1000), region: REGION });
    assert.equal(report.failures.length, 0, JSON.stringify(report.failures));
    metadata = await describeKey(KeyId!, REGION);
    assert.equal(metadata.KeyState, 'PendingImport');
    assert.equal(metadata.CurrentKeyMaterialId, second, 'the expired current material is still named');
    assert.deepEqual(await materials(KeyId!), [
      [first, 'NON_CURRENT', 'IMPORTED', undefined],
      [second, 'CURRENT', 'PENDING_IMPORT', validTo2.getTime()],
      [third, 'PENDING_ROTATION', 'IMPORTED', undefined],
    ]);
    await expectKmsError(client().decrypt({ CiphertextBlob: blob1 }), 'KMSInvalidStateException', `${Arn} is pending import.`);
    // Re-importing the second (without expiry now) makes the key usable again; every ciphertext decrypts.
    await importMaterial(KeyId!, m2);
    metadata = await describeKey(KeyId!, REGION);
    assert.equal(metadata.KeyState, 'Enabled');
    assert.equal(metadata.CurrentKeyMaterialId, second);
    assert.equal(await decryptText(blob1), 'under the first');
    assert.equal(await decryptText(blob2), 'under the second');

    // 5. Deleting the pending third leaves the key as it is; deleting the non-current first makes it PendingImport.
    const deleted = await client().deleteImportedKeyMaterial({ KeyId, KeyMaterialId: third });
    assert.equal(deleted.KeyMaterialId, third);
    const deletion = await waitForRecord('DeleteImportedKeyMaterial', (r) => r.requestID === deleted.$metadata.requestId);
    assert.equal(deletion.requestParameters?.keyMaterialId, third);
    assert.equal((await describeKey(KeyId!, REGION)).KeyState, 'Enabled');
    await client().deleteImportedKeyMaterial({ KeyId, KeyMaterialId: first });
    assert.equal((await describeKey(KeyId!, REGION)).KeyState, 'PendingImport');
    assert.deepEqual(await materials(KeyId!), [
      [first, 'NON_CURRENT', 'PENDING_IMPORT', undefined],
      [second, 'CURRENT', 'IMPORTED', undefined],
      [third, 'PENDING_ROTATION', 'PENDING_IMPORT', undefined],
    ]);
    await expectKmsError(client().deleteImportedKeyMaterial({ KeyId, KeyMaterialId: 'f'.repeat(64) }), 'NotFoundException');
    // Other material can take the undone pending one's place; the first re-imports and all is usable again.
    const fourth = (await importMaterial(KeyId!, randomBytes(32), { importType: 'NEW_KEY_MATERIAL' })).KeyMaterialId!;
    await importMaterial(KeyId!, m1);
    assert.equal((await describeKey(KeyId!, REGION)).KeyState, 'Enabled');
    assert.deepEqual((await materials(KeyId!)).map(([id, state]) => [id, state]).sort(), [
      [first, 'NON_CURRENT'],
      [second, 'CURRENT'],
      [fourth, 'PENDING_ROTATION'],
    ].sort());
    assert.equal(await decryptText(blob1), 'under the first');
    assert.equal(await decryptText(blob2), 'under the second');
    // Expiration events name each material.
    const events = readJsonLines('events.jsonl').filter((e) => e['detail-type'] === 'KMS Imported Key Material Expiration' && e.detail?.['key-id'] === KeyId);
    assert.deepEqual(events.map((e) => e.detail['key-material-id']), [second]);
  });
});
