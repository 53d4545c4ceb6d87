/**
 * Client compatibility: the AWS Encryption SDK for JavaScript (@aws-crypto/client-node 5) with its KMS
 * keyring, unchanged except for the KMS client's endpoint.
 *
 * How the keyring talks to KMS (checked in node_modules/@aws-crypto/kms-keyring 5.0.2, helpers.js): it
 * calls `client.generateDataKey(...)`, `client.encrypt(...)` and `client.decrypt(...)` and awaits the
 * result (or its `.promise()` for SDK v2). So the client provider must return the *aggregated* SDK v3
 * client `KMS` from @aws-sdk/client-kms (methods per operation), not the bare `KMSClient` (only `send`).
 * The provider is called with the region parsed from the key ARN, and the keyring requires the KeyId in
 * GenerateDataKey/Encrypt/Decrypt responses to be the full key ARN.
 *
 * Endpoint: $KMS_ENDPOINT (set by `npm test`); when unset, the file starts its own local service.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildClient, CommitmentPolicy, KmsKeyringNode, type KmsNodeClientSupplier } from '@aws-crypto/client-node';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMS, KMSClient, RotateKeyOnDemandCommand } from '@aws-sdk/client-kms';

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

let endpoint = process.env.KMS_ENDPOINT ?? '';
let stopOwnService: (() => Promise<void>) | undefined;
let workDir = '';

async function ensureEndpoint(): Promise<void> {
  if (endpoint) return;
  workDir = mkdtempSync(join(tmpdir(), 'kms-esdk-'));
  const { startLocalService } = await import('../../infra/local/service.js');
  const service = await startLocalService({ port: 0, dynamodbPort: 0, dataDir: join(workDir, 'kms-data') });
  endpoint = service.endpoint;
  stopOwnService = () => service.stop();
}

/** Regions the keyrings asked for, and one aggregated v3 client per region pointed at the service. */
const requestedRegions: string[] = [];
const clients = new Map<string, KMS>();
const clientProvider: KmsNodeClientSupplier = (region: string) => {
  requestedRegions.push(region);
  let client = clients.get(region);
  if (!client) {
    client = new KMS({ region: region || REGION, endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
    clients.set(region, client);
  }
  return client;
};

const { encrypt, decrypt, encryptStream, decryptStream } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

let kms: KMSClient;

async function newKeyArn(): Promise<string> {
  const out = await kms.send(new CreateKeyCommand({ Description: 'encryption sdk compat test' }));
  const arn = out.KeyMetadata?.Arn;
  assert.ok(arn, 'CreateKey returned no Arn');
  assert.match(arn, new RegExp(`^arn:aws:kms:${REGION}:${ACCOUNT}:key/`));
  return arn;
}

function keyringFor(generatorKeyId: string, keyIds: string[] = []): KmsKeyringNode {
  return new KmsKeyringNode({ clientProvider, generatorKeyId, keyIds });
}

describe('AWS Encryption SDK (client-node 5) with the KMS keyring', () => {
  before(async () => {
    await ensureEndpoint();
    kms = new KMSClient({ region: REGION, endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    kms?.destroy();
    for (const client of clients.values()) client.destroy();
    await stopOwnService?.();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('encrypts and decrypts a message with an encryption context', async () => {
    const keyArn = await newKeyArn();
    const keyring = keyringFor(keyArn);
    const plaintext = randomBytes(8 * 1024 + 123);
    const context = { stage: 'compat-test', purpose: 'esdk round trip', 'ünïcode': 'välue' };

    const { result, messageHeader } = await encrypt(keyring, plaintext, { encryptionContext: context });
    assert.ok(!result.includes(plaintext.subarray(0, 64)), 'message contains the plaintext');
    assert.equal(messageHeader.encryptedDataKeys.length, 1);
    const edk = messageHeader.encryptedDataKeys[0]!;
    assert.equal(edk.providerId, 'aws-kms');
    assert.equal(edk.providerInfo, keyArn, 'the EDK names the key ARN KMS returned');
    for (const [k, v] of Object.entries(context)) assert.equal(messageHeader.encryptionContext[k], v);

    const decrypted = await decrypt(keyring, result);
    assert.deepEqual(decrypted.plaintext, plaintext);
    for (const [k, v] of Object.entries(context)) assert.equal(decrypted.messageHeader.encryptionContext[k], v);
    assert.ok(requestedRegions.includes(REGION), `the keyring asked for regions ${JSON.stringify(requestedRegions)}`);
    assert.ok(requestedRegions.every((r) => r === REGION), `unexpected regions ${JSON.stringify(requestedRegions)}`);
  });

  it('messages encrypted before a key rotation still decrypt after it', async () => {
    const keyArn = await newKeyArn();
    const keyring = keyringFor(keyArn);
    const before = randomBytes(2048);
    const { result: oldMessage } = await encrypt(keyring, before, { encryptionContext: { when: 'before' } });
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyArn }));
    const after = randomBytes(2048);
    const { result: newMessage } = await encrypt(keyring, after, { encryptionContext: { when: 'after' } });
    assert.deepEqual((await decrypt(keyring, oldMessage)).plaintext, before);
    assert.deepEqual((await decrypt(keyring, newMessage)).plaintext, after);
  });

  it('a keyring with a generator and an additional key: either key alone decrypts', async () => {
    const generator = await newKeyArn();
    const additional = await newKeyArn();
    const plaintext = randomBytes(5000);
    const { result, messageHeader } = await encrypt(keyringFor(generator, [additional]), plaintext, {
      encryptionContext: { tenant: 'two-keys' },
    });
    assert.deepEqual(messageHeader.encryptedDataKeys.map((k) => k.providerInfo), [generator, additional]);

    const viaGenerator = await decrypt(keyringFor(generator), result);
    assert.deepEqual(viaGenerator.plaintext, plaintext);
    const viaAdditional = await decrypt(keyringFor(additional), result);
    assert.deepEqual(viaAdditional.plaintext, plaintext);
  });

  it('stream round trip of 1 MiB', async () => {
    const keyArn = await newKeyArn();
    const keyring = keyringFor(keyArn);
    const plaintext = randomBytes(1024 * 1024);
    const chunks = (data: Buffer, size: number): Readable =>
      Readable.from((function* () { for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size); })());
    const collect = (into: Buffer[]): Writable => new Writable({ write(chunk: Buffer, _enc, done) { into.push(chunk); done(); } });

    const encrypted: Buffer[] = [];
    await pipeline(chunks(plaintext, 64 * 1024), encryptStream(keyring, { encryptionContext: { stream: 'yes' } }), collect(encrypted));
    const message = Buffer.concat(encrypted);
    assert.ok(message.length > plaintext.length);

    const decrypted: Buffer[] = [];
    await pipeline(chunks(message, 10_000), decryptStream(keyring), collect(decrypted));
    const roundTrip = Buffer.concat(decrypted);
    assert.equal(roundTrip.length, plaintext.length);
    assert.equal(createHash('sha256').update(roundTrip).digest('hex'), createHash('sha256').update(plaintext).digest('hex'));
  });

  it('decrypting with a keyring that names a different key fails', async () => {
    const keyArn = await newKeyArn();
    const otherArn = await newKeyArn();
    const { result } = await encrypt(keyringFor(keyArn), randomBytes(2048), { encryptionContext: { owner: 'first key' } });
    await assert.rejects(decrypt(keyringFor(otherArn), result), (error: Error) => {
      // The keyring finds no EDK for its key, so no data key is ever decrypted (client-node 5's wording).
      assert.match(error.message, /unencryptedDataKey has not been set|unable to decrypt/i);
      return true;
    });
  });

  it('KMS itself refuses a Decrypt that names another key (IncorrectKeyException), as the keyring relies on', async () => {
    const keyArn = await newKeyArn();
    const otherArn = await newKeyArn();
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: randomBytes(32) }));
    assert.ok(CiphertextBlob);
    await assert.rejects(kms.send(new DecryptCommand({ CiphertextBlob, KeyId: otherArn })), (error: Error) => {
      assert.equal(error.name, 'IncorrectKeyException');
      return true;
    });
    const ok = await kms.send(new DecryptCommand({ CiphertextBlob, KeyId: keyArn }));
    assert.equal(ok.KeyId, keyArn);
  });
});
