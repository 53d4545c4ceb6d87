/**
 * Encrypt, Decrypt and ReEncrypt with RSA ENCRYPT_DECRYPT keys over HTTP with the AWS SDK
 * (KMS-REFERENCE §1, §4, §5, §6, §14). Independent checks: ciphertext made outside the service with
 * node:crypto and the public key from GetPublicKey must decrypt in KMS; KMS's ciphertext is raw
 * modulus-sized OAEP output. Messages marked [unverified] are our choices (AWS is silent); for those only
 * the exception type is checked.
 */
import assert from 'node:assert/strict';
import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { KeyMetadata } from '@aws-sdk/client-kms';
import {
  DRY_RUN_MESSAGE,
  assertBytesEqual,
  createAlias,
  createKey,
  expectKmsError,
  kms,
  rawCall,
  utf8,
} from './helpers.js';

const REGION = 'ap-southeast-2';
const client = () => kms(REGION);
type Algorithm = 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256';
const ALGORITHMS: Algorithm[] = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];
const oaepHash = (algorithm: Algorithm) => (algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256');
/** AWS's published limits (KMS-REFERENCE §4). */
const LIMITS: Record<string, Record<Algorithm, number>> = {
  RSA_2048: { RSAES_OAEP_SHA_1: 214, RSAES_OAEP_SHA_256: 190 },
  RSA_3072: { RSAES_OAEP_SHA_1: 342, RSAES_OAEP_SHA_256: 318 },
  RSA_4096: { RSAES_OAEP_SHA_1: 470, RSAES_OAEP_SHA_256: 446 },
};
const MODULUS_BYTES: Record<string, number> = { RSA_2048: 256, RSA_3072: 384, RSA_4096: 512 };

const createRsaKey = (keySpec: string, keyUsage: 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' = 'ENCRYPT_DECRYPT') =>
  createKey({ KeySpec: keySpec as 'RSA_2048', KeyUsage: keyUsage }, REGION);

/** The key's public key through GetPublicKey, as a node KeyObject. */
async function publicKeyOf(keyId: string) {
  const out = await client().getPublicKey({ KeyId: keyId });
  assert.ok(out.PublicKey, 'GetPublicKey returned a PublicKey');
  return createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
}

/** RSA-OAEP with MGF1 over the same hash, outside the service. */
const encryptOutside = (publicKey: ReturnType<typeof createPublicKey>, algorithm: Algorithm, plaintext: Uint8Array) =>
  publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: oaepHash(algorithm) }, plaintext);

const keys: Record<string, KeyMetadata> = {};
let symmetric: KeyMetadata;

before(async () => {
  const [k2048, k3072, k4096, sym] = await Promise.all([
    createRsaKey('RSA_2048'),
    createRsaKey('RSA_3072'),
    createRsaKey('RSA_4096'),
    createKey({}, REGION),
  ]);
  Object.assign(keys, { RSA_2048: k2048, RSA_3072: k3072, RSA_4096: k4096 });
  symmetric = sym;
});

describe('KeyMetadata of RSA ENCRYPT_DECRYPT keys', () => {
  test('lists both OAEP algorithms and no CurrentKeyMaterialId [obs]', () => {
    for (const md of Object.values(keys)) {
      assert.deepEqual([...(md.EncryptionAlgorithms ?? [])].sort(), ALGORITHMS);
      assert.equal(md.CurrentKeyMaterialId, undefined);
    }
  });
});

describe('Encrypt and Decrypt with RSA keys', () => {
  for (const spec of ['RSA_2048', 'RSA_3072', 'RSA_4096']) {
    for (const algorithm of ALGORITHMS) {
      test(`${spec} ${algorithm}: round trip at the size limit; ciphertext is modulus-sized; KeyMaterialId absent`, async () => {
        const md = keys[spec]!;
        const plaintext = randomBytes(LIMITS[spec]![algorithm]);
        const enc = await client().encrypt({ KeyId: md.KeyId, Plaintext: plaintext, EncryptionAlgorithm: algorithm });
        assert.equal(enc.KeyId, md.Arn);
        assert.equal(enc.EncryptionAlgorithm, algorithm);
        assert.equal(enc.CiphertextBlob?.length, MODULUS_BYTES[spec], 'raw RSA output, no header');
        const dec = await client().decrypt({ CiphertextBlob: enc.CiphertextBlob, KeyId: md.KeyId, EncryptionAlgorithm: algorithm });
        assertBytesEqual(dec.Plaintext, plaintext);
        assert.equal(dec.KeyId, md.Arn);
        assert.equal(dec.EncryptionAlgorithm, algorithm);
        assert.equal(dec.KeyMaterialId, undefined, 'KeyMaterialId is for symmetric keys only');

        // One byte more: AWS's exact message [obs].
        await expectKmsError(
          client().encrypt({ KeyId: md.KeyId, Plaintext: randomBytes(LIMITS[spec]![algorithm] + 1), EncryptionAlgorithm: algorithm }),
          'ValidationException',
          `Algorithm ${algorithm} and key spec ${spec} cannot encrypt data larger than ${LIMITS[spec]![algorithm]} bytes.`,
        );
      });
    }
  }

  test('OAEP is randomized: the same plaintext encrypts differently each time', async () => {
    const md = keys.RSA_2048!;
    const a = await client().encrypt({ KeyId: md.KeyId, Plaintext: utf8('same'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    const b = await client().encrypt({ KeyId: md.KeyId, Plaintext: utf8('same'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    assert.ok(!Buffer.from(a.CiphertextBlob!).equals(Buffer.from(b.CiphertextBlob!)));
  });

  for (const algorithm of ALGORITHMS) {
    test(`${algorithm}: ciphertext made outside with GetPublicKey's key decrypts in KMS (by key ID, ARN and alias)`, async () => {
      const md = keys.RSA_2048!;
      const publicKey = await publicKeyOf(md.KeyId!);
      const plaintext = randomBytes(LIMITS.RSA_2048![algorithm]);
      const blob = encryptOutside(publicKey, algorithm, plaintext);
      const alias = await createAlias(md.KeyId!, REGION, 'rsa');
      for (const keyId of [md.KeyId, md.Arn, alias]) {
        const dec = await client().decrypt({ CiphertextBlob: blob, KeyId: keyId, EncryptionAlgorithm: algorithm });
        assertBytesEqual(dec.Plaintext, plaintext, `Decrypt with KeyId ${keyId}`);
        assert.equal(dec.KeyId, md.Arn);
      }
    });
  }

  test('the other OAEP hash, another RSA key or garbage: InvalidCiphertextException with no message [obs for symmetric]', async () => {
    const md = keys.RSA_2048!;
    const blob = encryptOutside(await publicKeyOf(md.KeyId!), 'RSAES_OAEP_SHA_256', utf8('x'));
    const noMessage = async (promise: Promise<unknown>) => {
      const error = await expectKmsError(promise, 'InvalidCiphertextException');
      assert.ok(!error.message || error.message === 'UnknownError', `no message expected, got ${error.message}`);
    };
    await noMessage(client().decrypt({ CiphertextBlob: blob, KeyId: md.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }));
    await noMessage(client().decrypt({ CiphertextBlob: blob, KeyId: keys.RSA_3072!.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    await noMessage(client().decrypt({ CiphertextBlob: randomBytes(256), KeyId: md.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    await noMessage(client().decrypt({ CiphertextBlob: randomBytes(10), KeyId: md.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
  });

  test('Encrypt without EncryptionAlgorithm is a ValidationException [unverified]; SYMMETRIC_DEFAULT or SM2PKE is InvalidKeyUsageException', async () => {
    const md = keys.RSA_2048!;
    await expectKmsError(client().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x') }), 'ValidationException');
    await expectKmsError(
      client().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }),
      'InvalidKeyUsageException',
      'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.',
    );
    await expectKmsError(
      client().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'SM2PKE' }),
      'InvalidKeyUsageException',
      'Algorithm SM2PKE is incompatible with key spec RSA_2048.',
    );
    // And an RSA algorithm with a symmetric key.
    await expectKmsError(
      client().encrypt({ KeyId: symmetric.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
      'InvalidKeyUsageException',
      'Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.',
    );
  });

  test('an encryption context is refused for RSA keys: ValidationException [unverified type]; an empty one is no context', async () => {
    const md = keys.RSA_2048!;
    await expectKmsError(
      client().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1', EncryptionContext: { a: 'b' } }),
      'ValidationException',
    );
    const enc = await client().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1', EncryptionContext: {} });
    await expectKmsError(
      client().decrypt({ CiphertextBlob: enc.CiphertextBlob, KeyId: md.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1', EncryptionContext: { a: 'b' } }),
      'ValidationException',
    );
  });

  test('Decrypt of RSA ciphertext needs KeyId and EncryptionAlgorithm: ValidationException [unverified wording]', async () => {
    const md = keys.RSA_2048!;
    const enc = await client().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    // KeyId missing.
    await expectKmsError(client().decrypt({ CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }), 'ValidationException');
    // EncryptionAlgorithm missing while KeyId names the RSA key.
    const missing = await expectKmsError(client().decrypt({ CiphertextBlob: enc.CiphertextBlob, KeyId: md.KeyId }), 'ValidationException');
    assert.match(missing.message, /EncryptionAlgorithm/);
    // Neither: the blob has no header naming a key, so it is just an invalid ciphertext.
    await expectKmsError(client().decrypt({ CiphertextBlob: enc.CiphertextBlob }), 'InvalidCiphertextException');
    // SYMMETRIC_DEFAULT stated for an RSA key.
    await expectKmsError(
      client().decrypt({ CiphertextBlob: enc.CiphertextBlob, KeyId: md.KeyId, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' }),
      'InvalidKeyUsageException',
    );
  });

  test('a SIGN_VERIFY RSA key cannot encrypt or decrypt: InvalidKeyUsageException in AWS\'s words [obs]', async () => {
    const md = await createRsaKey('RSA_2048', 'SIGN_VERIFY');
    await expectKmsError(
      client().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
      'InvalidKeyUsageException',
      `${md.Arn} key usage is SIGN_VERIFY which is not valid for Encrypt.`,
    );
    await expectKmsError(
      client().decrypt({ CiphertextBlob: randomBytes(256), KeyId: md.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
      'InvalidKeyUsageException',
      `${md.Arn} key usage is SIGN_VERIFY which is not valid for Decrypt.`,
    );
  });

  test('DryRun: Encrypt and Decrypt check everything (including the size limit) and then raise DryRunOperationException', async () => {
    const md = keys.RSA_2048!;
    await expectKmsError(
      client().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256', DryRun: true }),
      'DryRunOperationException',
      DRY_RUN_MESSAGE,
    );
    await expectKmsError(
      client().encrypt({ KeyId: md.KeyId, Plaintext: randomBytes(191), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256', DryRun: true }),
      'ValidationException',
    );
    const enc = await client().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    await expectKmsError(
      client().decrypt({ CiphertextBlob: enc.CiphertextBlob, KeyId: md.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256', DryRun: true }),
      'DryRunOperationException',
      DRY_RUN_MESSAGE,
    );
  });

  test('a disabled RSA key refuses Encrypt and Decrypt with "<arn> is disabled." [obs]', async () => {
    const md = await createRsaKey('RSA_2048');
    const enc = await client().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' });
    await client().disableKey({ KeyId: md.KeyId });
    await expectKmsError(
      client().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }),
      'DisabledException',
      `${md.Arn} is disabled.`,
    );
    await expectKmsError(
      client().decrypt({ CiphertextBlob: enc.CiphertextBlob, KeyId: md.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }),
      'DisabledException',
      `${md.Arn} is disabled.`,
    );
  });

  test('wire members: Encrypt and Decrypt of an RSA key carry no KeyMaterialId', async () => {
    const md = keys.RSA_2048!;
    const enc = await rawCall('Encrypt', { KeyId: md.KeyId, Plaintext: 'aGVsbG8=', EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' }, { region: REGION });
    assert.equal(enc.status, 200, enc.text);
    assert.deepEqual(Object.keys(enc.json ?? {}).sort(), ['CiphertextBlob', 'EncryptionAlgorithm', 'KeyId']);
    const dec = await rawCall(
      'Decrypt',
      { CiphertextBlob: enc.json?.CiphertextBlob, KeyId: md.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' },
      { region: REGION },
    );
    assert.equal(dec.status, 200, dec.text);
    assert.deepEqual(Object.keys(dec.json ?? {}).sort(), ['EncryptionAlgorithm', 'KeyId', 'Plaintext']);
    assert.equal(dec.json?.Plaintext, 'aGVsbG8=');
  });
});

describe('GenerateDataKey with an RSA key', () => {
  test('GenerateDataKey and GenerateDataKeyWithoutPlaintext: InvalidKeyUsageException [unverified wording]', async () => {
    const md = keys.RSA_2048!;
    await expectKmsError(
      client().generateDataKey({ KeyId: md.KeyId, KeySpec: 'AES_256' }),
      'InvalidKeyUsageException',
      `${md.Arn} key spec is RSA_2048 which is not valid for GenerateDataKey.`,
    );
    await expectKmsError(
      client().generateDataKeyWithoutPlaintext({ KeyId: md.KeyId, NumberOfBytes: 32 }),
      'InvalidKeyUsageException',
      `${md.Arn} key spec is RSA_2048 which is not valid for GenerateDataKeyWithoutPlaintext.`,
    );
  });
});

describe('ReEncrypt with RSA keys', () => {
  test('RSA → symmetric: needs SourceKeyId and SourceEncryptionAlgorithm; result decrypts with the symmetric key', async () => {
    const md = keys.RSA_2048!;
    const plaintext = randomBytes(100);
    const blob = encryptOutside(await publicKeyOf(md.KeyId!), 'RSAES_OAEP_SHA_1', plaintext);
    const re = await client().reEncrypt({
      CiphertextBlob: blob,
      SourceKeyId: md.KeyId,
      SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
      DestinationKeyId: symmetric.KeyId,
      DestinationEncryptionContext: { purpose: 'reencrypt' },
    });
    assert.equal(re.SourceKeyId, md.Arn);
    assert.equal(re.KeyId, symmetric.Arn);
    assert.equal(re.SourceEncryptionAlgorithm, 'RSAES_OAEP_SHA_1');
    assert.equal(re.DestinationEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.equal(re.SourceKeyMaterialId, undefined, 'no material ID for the RSA source');
    assert.equal(re.DestinationKeyMaterialId, symmetric.CurrentKeyMaterialId);
    const dec = await client().decrypt({ CiphertextBlob: re.CiphertextBlob, EncryptionContext: { purpose: 'reencrypt' } });
    assertBytesEqual(dec.Plaintext, plaintext);

    // Missing SourceKeyId, missing SourceEncryptionAlgorithm, a source context: ValidationException [unverified].
    await expectKmsError(
      client().reEncrypt({ CiphertextBlob: blob, SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_1', DestinationKeyId: symmetric.KeyId }),
      'ValidationException',
    );
    const missing = await expectKmsError(
      client().reEncrypt({ CiphertextBlob: blob, SourceKeyId: md.KeyId, DestinationKeyId: symmetric.KeyId }),
      'ValidationException',
    );
    assert.match(missing.message, /SourceEncryptionAlgorithm/);
    await expectKmsError(
      client().reEncrypt({
        CiphertextBlob: blob,
        SourceKeyId: md.KeyId,
        SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_1',
        SourceEncryptionContext: { a: 'b' },
        DestinationKeyId: symmetric.KeyId,
      }),
      'ValidationException',
    );
  });

  test('symmetric → RSA: needs DestinationEncryptionAlgorithm, refuses DestinationEncryptionContext; result decrypts', async () => {
    const md = keys.RSA_3072!;
    const plaintext = randomBytes(LIMITS.RSA_3072!.RSAES_OAEP_SHA_256);
    const enc = await client().encrypt({ KeyId: symmetric.KeyId, Plaintext: plaintext, EncryptionContext: { k: 'v' } });
    const re = await client().reEncrypt({
      CiphertextBlob: enc.CiphertextBlob,
      SourceEncryptionContext: { k: 'v' },
      DestinationKeyId: md.KeyId,
      DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    });
    assert.equal(re.SourceKeyId, symmetric.Arn);
    assert.equal(re.KeyId, md.Arn);
    assert.equal(re.SourceEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.equal(re.DestinationEncryptionAlgorithm, 'RSAES_OAEP_SHA_256');
    assert.equal(re.SourceKeyMaterialId, symmetric.CurrentKeyMaterialId);
    assert.equal(re.DestinationKeyMaterialId, undefined);
    assert.equal(re.CiphertextBlob?.length, 384);
    const dec = await client().decrypt({ CiphertextBlob: re.CiphertextBlob, KeyId: md.KeyId, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    assertBytesEqual(dec.Plaintext, plaintext);

    await expectKmsError(
      client().reEncrypt({ CiphertextBlob: enc.CiphertextBlob, SourceEncryptionContext: { k: 'v' }, DestinationKeyId: md.KeyId }),
      'ValidationException',
    );
    await expectKmsError(
      client().reEncrypt({
        CiphertextBlob: enc.CiphertextBlob,
        SourceEncryptionContext: { k: 'v' },
        DestinationKeyId: md.KeyId,
        DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
        DestinationEncryptionContext: { not: 'allowed' },
      }),
      'ValidationException',
    );
  });

  test('symmetric → RSA with a plaintext over the destination limit: AWS\'s size message [obs]', async () => {
    const md = keys.RSA_2048!;
    const enc = await client().encrypt({ KeyId: symmetric.KeyId, Plaintext: randomBytes(191) });
    await expectKmsError(
      client().reEncrypt({ CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: md.KeyId, DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }),
      'ValidationException',
      'Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes.',
    );
  });

  test('RSA → RSA (another key and algorithm), and DryRun', async () => {
    const source = keys.RSA_2048!;
    const destination = keys.RSA_4096!;
    const enc = await client().encrypt({ KeyId: source.KeyId, Plaintext: utf8('rsa to rsa'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    const input = {
      CiphertextBlob: enc.CiphertextBlob,
      SourceKeyId: source.KeyId,
      SourceEncryptionAlgorithm: 'RSAES_OAEP_SHA_256' as const,
      DestinationKeyId: destination.KeyId,
      DestinationEncryptionAlgorithm: 'RSAES_OAEP_SHA_1' as const,
    };
    await expectKmsError(client().reEncrypt({ ...input, DryRun: true }), 'DryRunOperationException', DRY_RUN_MESSAGE);
    const re = await client().reEncrypt(input);
    assert.equal(re.CiphertextBlob?.length, 512);
    const dec = await client().decrypt({ CiphertextBlob: re.CiphertextBlob, KeyId: destination.Arn, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' });
    assertBytesEqual(dec.Plaintext, utf8('rsa to rsa'));
    // Wrong source key: InvalidCiphertextException.
    await expectKmsError(client().reEncrypt({ ...input, SourceKeyId: keys.RSA_3072!.KeyId }), 'InvalidCiphertextException');
  });
});
