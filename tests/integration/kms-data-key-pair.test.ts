/**
 * GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext over HTTP with the AWS SDK
 * (KMS-REFERENCE §1, §5, §14). Independent checks with node:crypto: PrivateKeyPlaintext is PKCS#8 DER and
 * PublicKey SPKI DER of the requested spec, they form a working pair (sign/verify, or ECDH for the NIST
 * curves), and Decrypt of PrivateKeyCiphertextBlob with the same encryption context gives the PKCS#8 back.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { DataKeyPairSpec, KeyMetadata } from '@aws-sdk/client-kms';
import { DRY_RUN_MESSAGE, assertBytesEqual, createAlias, createKey, expectKmsError, kms, rawCall, utf8 } from './helpers.js';

const REGION = 'ap-southeast-2';
const client = () => kms(REGION);

/** What each spec must produce (node:crypto's view of the key). */
const SPECS: Record<string, { type: string; bits?: number; curve?: string }> = {
  RSA_2048: { type: 'rsa', bits: 2048 },
  RSA_3072: { type: 'rsa', bits: 3072 },
  RSA_4096: { type: 'rsa', bits: 4096 },
  ECC_NIST_P256: { type: 'ec', curve: 'prime256v1' },
  ECC_NIST_P384: { type: 'ec', curve: 'secp384r1' },
  ECC_NIST_P521: { type: 'ec', curve: 'secp521r1' },
  ECC_SECG_P256K1: { type: 'ec', curve: 'secp256k1' },
  ECC_NIST_EDWARDS25519: { type: 'ed25519' },
};

/** The pair works: a signature by the private key verifies with the public key (and ECDH agrees for EC). */
function assertWorkingPair(spec: string, privateKey: KeyObject, publicKey: KeyObject) {
  const message = utf8(`data key pair ${spec}`);
  const digest = SPECS[spec]!.type === 'ed25519' ? null : 'sha256';
  const signature = sign(digest, message, privateKey);
  assert.ok(verify(digest, message, publicKey, signature), `${spec}: signature verifies with PublicKey`);
  assert.ok(!verify(digest, utf8('other message'), publicKey, signature), `${spec}: and only for the signed message`);
  if (SPECS[spec]!.type === 'ec') {
    const peer = generateKeyPairSync('ec', { namedCurve: SPECS[spec]!.curve! });
    const ours = diffieHellman({ privateKey, publicKey: peer.publicKey });
    const theirs = diffieHellman({ privateKey: peer.privateKey, publicKey });
    assert.ok(ours.equals(theirs), `${spec}: ECDH agrees`);
  }
}

let symmetric: KeyMetadata;
before(async () => {
  symmetric = await createKey({ Description: 'data key pairs' }, REGION);
});

describe('GenerateDataKeyPair', () => {
  for (const spec of Object.keys(SPECS)) {
    test(`${spec}: PKCS#8 + SPKI of the spec, a working pair, and the sealed private key decrypts with the context`, async () => {
      const context = { purpose: 'data-key-pair', spec };
      const out = await client().generateDataKeyPair({ KeyId: symmetric.KeyId, KeyPairSpec: spec as DataKeyPairSpec, EncryptionContext: context });
      assert.equal(out.KeyId, symmetric.Arn);
      assert.equal(out.KeyPairSpec, spec);
      assert.equal(out.KeyMaterialId, symmetric.CurrentKeyMaterialId);
      assert.ok(out.PrivateKeyPlaintext && out.PublicKey && out.PrivateKeyCiphertextBlob);

      const privateKey = createPrivateKey({ key: Buffer.from(out.PrivateKeyPlaintext), format: 'der', type: 'pkcs8' });
      const publicKey = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
      const expected = SPECS[spec]!;
      assert.equal(privateKey.asymmetricKeyType, expected.type);
      assert.equal(publicKey.asymmetricKeyType, expected.type);
      if (expected.bits) assert.equal(publicKey.asymmetricKeyDetails?.modulusLength, expected.bits);
      if (expected.curve) assert.equal(publicKey.asymmetricKeyDetails?.namedCurve, expected.curve);
      // PublicKey is the public half of PrivateKeyPlaintext.
      assertBytesEqual(out.PublicKey, createPublicKey(privateKey).export({ format: 'der', type: 'spki' }), 'PublicKey');
      assertWorkingPair(spec, privateKey, publicKey);

      const dec = await client().decrypt({ CiphertextBlob: out.PrivateKeyCiphertextBlob, EncryptionContext: context });
      assertBytesEqual(dec.Plaintext, out.PrivateKeyPlaintext, 'Decrypt(PrivateKeyCiphertextBlob)');
      assert.equal(dec.KeyId, symmetric.Arn);
      await expectKmsError(client().decrypt({ CiphertextBlob: out.PrivateKeyCiphertextBlob }), 'InvalidCiphertextException');
    });
  }

  test('each call makes a fresh pair', async () => {
    const a = await client().generateDataKeyPair({ KeyId: symmetric.KeyId, KeyPairSpec: 'ECC_NIST_P256' });
    const b = await client().generateDataKeyPair({ KeyId: symmetric.KeyId, KeyPairSpec: 'ECC_NIST_P256' });
    assert.ok(!Buffer.from(a.PublicKey!).equals(Buffer.from(b.PublicKey!)));
  });

  test('by alias; wire members are exactly the model\'s (no CiphertextForRecipient without Recipient)', async () => {
    const alias = await createAlias(symmetric.KeyId!, REGION, 'dkp');
    const res = await rawCall('GenerateDataKeyPair', { KeyId: alias, KeyPairSpec: 'ECC_NIST_P384' }, { region: REGION });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.json ?? {}).sort(), [
      'KeyId', 'KeyMaterialId', 'KeyPairSpec', 'PrivateKeyCiphertextBlob', 'PrivateKeyPlaintext', 'PublicKey',
    ]);
    assert.equal(res.json?.KeyId, symmetric.Arn);
  });
});

describe('GenerateDataKeyPairWithoutPlaintext', () => {
  test('no PrivateKeyPlaintext; the sealed private key decrypts to a PKCS#8 key matching PublicKey', async () => {
    const res = await rawCall(
      'GenerateDataKeyPairWithoutPlaintext',
      { KeyId: symmetric.KeyId, KeyPairSpec: 'ECC_NIST_EDWARDS25519', EncryptionContext: { a: '1' } },
      { region: REGION },
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.json ?? {}).sort(), ['KeyId', 'KeyMaterialId', 'KeyPairSpec', 'PrivateKeyCiphertextBlob', 'PublicKey']);
    const dec = await client().decrypt({
      CiphertextBlob: Buffer.from(res.json?.PrivateKeyCiphertextBlob as string, 'base64'),
      EncryptionContext: { a: '1' },
    });
    const privateKey = createPrivateKey({ key: Buffer.from(dec.Plaintext!), format: 'der', type: 'pkcs8' });
    const publicKey = createPublicKey({ key: Buffer.from(res.json?.PublicKey as string, 'base64'), format: 'der', type: 'spki' });
    assertWorkingPair('ECC_NIST_EDWARDS25519', privateKey, publicKey);
  });
});

describe('GenerateDataKeyPair errors and DryRun', () => {
  test('an asymmetric KMS key is InvalidKeyUsageException [unverified wording] for both operations', async () => {
    const rsa = await createKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' }, REGION);
    await expectKmsError(
      client().generateDataKeyPair({ KeyId: rsa.KeyId, KeyPairSpec: 'ECC_NIST_P256' }),
      'InvalidKeyUsageException',
      `${rsa.Arn} key spec is RSA_2048 which is not valid for GenerateDataKeyPair.`,
    );
    await expectKmsError(
      client().generateDataKeyPairWithoutPlaintext({ KeyId: rsa.KeyId, KeyPairSpec: 'ECC_NIST_P256' }),
      'InvalidKeyUsageException',
      `${rsa.Arn} key spec is RSA_2048 which is not valid for GenerateDataKeyPairWithoutPlaintext.`,
    );
    const ecc = await createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }, REGION);
    await expectKmsError(
      client().generateDataKeyPair({ KeyId: ecc.KeyId, KeyPairSpec: 'ECC_NIST_P256' }),
      'InvalidKeyUsageException',
      `${ecc.Arn} key usage is SIGN_VERIFY which is not valid for GenerateDataKeyPair.`,
    );
  });

  test('SM2 (China Regions only) is UnsupportedOperationException; an unknown spec fails the model\'s enum', async () => {
    await expectKmsError(client().generateDataKeyPair({ KeyId: symmetric.KeyId, KeyPairSpec: 'SM2' }), 'UnsupportedOperationException');
    await expectKmsError(
      client().generateDataKeyPair({ KeyId: symmetric.KeyId, KeyPairSpec: 'RSA_1024' as DataKeyPairSpec }),
      'ValidationException',
      /^1 validation error detected: Value 'RSA_1024' at 'keyPairSpec' failed to satisfy constraint: Member must satisfy enum value set: \[.+\]$/,
    );
    await expectKmsError(
      client().generateDataKeyPair({ KeyId: symmetric.KeyId } as never),
      'ValidationException',
      "1 validation error detected: Value null at 'keyPairSpec' failed to satisfy constraint: Member must not be null",
    );
  });

  test('Recipient (attestation) is refused with a clear UnsupportedOperationException', async () => {
    const error = await expectKmsError(
      client().generateDataKeyPair({
        KeyId: symmetric.KeyId,
        KeyPairSpec: 'ECC_NIST_P256',
        Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', AttestationDocument: utf8('not a real document') },
      }),
      'UnsupportedOperationException',
    );
    assert.match(error.message, /Recipient/);
  });

  test('DryRun checks the key and then raises DryRunOperationException; a disabled key is DisabledException [obs]', async () => {
    for (const op of ['generateDataKeyPair', 'generateDataKeyPairWithoutPlaintext'] as const) {
      await expectKmsError(
        client()[op]({ KeyId: symmetric.KeyId, KeyPairSpec: 'RSA_2048', DryRun: true }),
        'DryRunOperationException',
        DRY_RUN_MESSAGE,
      );
    }
    const md = await createKey({}, REGION);
    await client().disableKey({ KeyId: md.KeyId });
    await expectKmsError(
      client().generateDataKeyPair({ KeyId: md.KeyId, KeyPairSpec: 'ECC_NIST_P256', DryRun: true }),
      'DisabledException',
      `${md.Arn} is disabled.`,
    );
  });

  test('kms:DataKeyPairSpec in the key policy decides which specs a caller may generate', async () => {
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'admin', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'only ECC',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: ['kms:GenerateDataKeyPair', 'kms:GenerateDataKeyPairWithoutPlaintext'],
          Resource: '*',
          Condition: { StringLike: { 'kms:DataKeyPairSpec': 'RSA_*' } },
        },
      ],
    };
    const md = await createKey({ Policy: JSON.stringify(policy) }, REGION);
    const ok = await client().generateDataKeyPairWithoutPlaintext({ KeyId: md.KeyId, KeyPairSpec: 'ECC_NIST_P256' });
    assert.equal(ok.KeyPairSpec, 'ECC_NIST_P256');
    await expectKmsError(client().generateDataKeyPair({ KeyId: md.KeyId, KeyPairSpec: 'RSA_2048' }), 'AccessDeniedException');
  });
});
