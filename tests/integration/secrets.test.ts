/**
 * Secrets stay secret: after real traffic, no data key, plaintext, backing key or root key appears in the
 * DynamoDB table (every region used) or in the service's log (captured at DEBUG level by tests/run.ts),
 * in raw, base64 or hex form. Backing keys are recovered independently from the stored wrapped items with
 * the root key, which also proves that what is stored is wrapped under it.
 */
import assert from 'node:assert/strict';
import { createDecipheriv, generateKeyPairSync, randomBytes } from 'node:crypto';
import { importInto } from './import-material.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { kms, OTHER_REGION, REGION } from './helpers.js';
import { eventually, MRK_PRIMARY, MRK_REPLICA, syncReplication } from './regions.js';
import { scanTable } from './table.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (tests/run.ts sets it)`);
  return value;
};

/** Independent unwrap of a stored backing key: AES-256-GCM, iv | ciphertext | tag, key id + material id as AAD. */
function unwrap(rootKey: Buffer, item: Record<string, unknown>): Buffer {
  const blob = Buffer.from(item.wrapped as Uint8Array);
  const decipher = createDecipheriv('aes-256-gcm', rootKey, blob.subarray(0, 12));
  decipher.setAAD(Buffer.from(`kms-material-v1|${item.keyId}|${item.keyMaterialId}`));
  decipher.setAuthTag(blob.subarray(blob.length - 16));
  return Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
}

/** Every textual form a secret could leak in. */
const forms = (secret: Buffer) => [secret.toString('base64'), secret.toString('hex'), secret.toString('latin1')];

function haystack(items: Record<string, unknown>[]): string {
  return items
    .map((item) =>
      JSON.stringify(item, (_k, v) => {
        if (v && typeof v === 'object' && (v instanceof Uint8Array || (v as { type?: string }).type === 'Buffer')) {
          const bytes = Buffer.from(v instanceof Uint8Array ? v : (v as { data: number[] }).data);
          return [bytes.toString('base64'), bytes.toString('hex'), bytes.toString('latin1')].join(' ');
        }
        return v;
      }),
    )
    .join('\n');
}

test('no plaintext key material, data key or plaintext reaches the table, the logs, events or audit records', async () => {
  const secrets: Buffer[] = [];
  for (const region of [REGION, OTHER_REGION]) {
    const client = kms(region);
    const { KeyMetadata } = await client.createKey({ Description: 'secrets test' });
    const keyId = KeyMetadata!.KeyId!;
    const dataKey = await client.generateDataKey({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { t: 'secrets' } });
    secrets.push(Buffer.from(dataKey.Plaintext!));
    const plaintext = randomBytes(64);
    secrets.push(plaintext);
    const encrypted = await client.encrypt({ KeyId: keyId, Plaintext: plaintext });
    const other = await client.createKey({});
    await client.reEncrypt({ CiphertextBlob: encrypted.CiphertextBlob, DestinationKeyId: other.KeyMetadata!.KeyId! });
    await client.decrypt({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { t: 'secrets' } });
    secrets.push(Buffer.from((await client.generateRandom({ NumberOfBytes: 32 })).Plaintext!));
    // Asymmetric and HMAC keys: their private keys are stored wrapped like symmetric material, and a
    // data key pair's private key is a secret like a data key.
    const signing = (await client.createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).KeyMetadata!.KeyId!;
    await client.sign({ KeyId: signing, Message: plaintext, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
    const mac = (await client.createKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).KeyMetadata!.KeyId!;
    await client.generateMac({ KeyId: mac, Message: plaintext, MacAlgorithm: 'HMAC_SHA_256' });
    const pair = await client.generateDataKeyPair({ KeyId: keyId, KeyPairSpec: 'ECC_NIST_P256', EncryptionContext: { t: 'pair' } });
    secrets.push(Buffer.from(pair.PrivateKeyPlaintext!));
    // A rotation writes an event and an audit record naming materials: ids only, never the material.
    await client.rotateKeyOnDemand({ KeyId: keyId });
    await client.encrypt({ KeyId: keyId, Plaintext: plaintext });
    // A failing request must not echo its secret either.
    await assert.rejects(client.decrypt({ CiphertextBlob: dataKey.CiphertextBlob, EncryptionContext: { t: 'wrong' } }));
  }

  // Imported material (bring your own key): an EC private key and an HMAC key made outside, wrapped for import.
  const imports: [string, string, Buffer][] = [
    ['ECC_NIST_P256', 'SIGN_VERIFY', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'der', type: 'pkcs8' })],
    ['HMAC_256', 'GENERATE_VERIFY_MAC', randomBytes(32)],
  ];
  for (const [KeySpec, KeyUsage, material] of imports) {
    secrets.push(material);
    const keyId = (await kms(REGION).createKey({ Origin: 'EXTERNAL', KeySpec: KeySpec as never, KeyUsage: KeyUsage as never })).KeyMetadata!.KeyId!;
    await importInto(REGION, keyId, material, undefined, 'RSA_AES_KEY_WRAP_SHA_256');
    if (KeyUsage === 'SIGN_VERIFY') await kms(REGION).sign({ KeyId: keyId, Message: Buffer.from('x'), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' });
    else await kms(REGION).generateMac({ KeyId: keyId, Message: Buffer.from('x'), MacAlgorithm: 'HMAC_SHA_256' });
  }

  // A multi-region key: its material is replicated to the replica region's table (wrapped, as everywhere).
  const mrk = (await kms(MRK_PRIMARY).createKey({ MultiRegion: true, Description: 'secrets test' })).KeyMetadata!.KeyId!;
  await kms(MRK_PRIMARY).replicateKey({ KeyId: mrk, ReplicaRegion: MRK_REPLICA });
  await syncReplication();
  const replicaDataKey = await eventually(() => kms(MRK_REPLICA).generateDataKey({ KeyId: mrk, KeySpec: 'AES_256' }));
  secrets.push(Buffer.from(replicaDataKey.Plaintext!));
  await kms(MRK_PRIMARY).decrypt({ CiphertextBlob: replicaDataKey.CiphertextBlob });
  await syncReplication();

  const rootKey = Buffer.from(readFileSync(join(env('KMS_DATA_DIR'), 'root-key'), 'utf8').trim(), 'base64');
  assert.equal(rootKey.length, 32);
  secrets.push(rootKey);

  let materials = 0;
  let text = '';
  for (const region of [REGION, OTHER_REGION, MRK_PRIMARY, MRK_REPLICA]) {
    const items = await scanTable(region);
    for (const item of items.filter((i) => i.entity === 'KeyMaterial')) {
      // An imported material that expired or was deleted keeps its record, without bytes.
      if (item.wrapped === undefined) {
        assert.equal(item.importState, 'PENDING_IMPORT', `a material record without bytes: ${String(item.keyMaterialId)}`);
        continue;
      }
      secrets.push(unwrap(rootKey, item)); // throws if an item is not wrapped under the root key
      materials++;
    }
    text += haystack(items);
  }
  assert.ok(materials >= 8, `expected the backing keys of this test's keys, found ${materials}`);
  const log = readFileSync(env('KMS_SERVICE_LOG'), 'utf8');
  assert.ok(log.length > 0, 'the service log was captured');
  // Events, notifications and audit records (written in batches: give the last ones a moment).
  await new Promise((r) => setTimeout(r, 500));
  const dataDir = env('KMS_DATA_DIR');
  const auditDir = join(dataDir, 'audit');
  const records = [join(dataDir, 'events.jsonl'), join(dataDir, 'notifications.jsonl')]
    .concat(existsSync(auditDir) ? readdirSync(auditDir).map((name) => join(auditDir, name)) : [])
    .filter((path) => existsSync(path))
    .map((path) => readFileSync(path, 'utf8'))
    .join('\n');
  assert.ok(records.includes('KMS CMK Rotation'), 'the rotation event was written');

  for (const secret of secrets) {
    for (const form of forms(secret)) {
      assert.ok(!text.includes(form), 'a secret appears in the table');
      assert.ok(!log.includes(form), 'a secret appears in the service log');
      assert.ok(!records.includes(form), 'a secret appears in the events, notifications or audit records');
    }
  }
});
