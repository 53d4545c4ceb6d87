/**
 * DeriveSharedSecret over HTTP with the AWS SDK (KMS-REFERENCE §1, §5, §14). Independent check: the
 * shared secret equals what node:crypto's diffieHellman derives from the peer's private key and the KMS
 * key's public key (from GetPublicKey), and what `openssl pkeyutl -derive` derives.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KeyMetadata, KeySpec } from '@aws-sdk/client-kms';
import { DRY_RUN_MESSAGE, assertBytesEqual, createAlias, createKey, expectKmsError, kms, rawCall } from './helpers.js';

const REGION = 'ap-southeast-2';
const client = () => kms(REGION);
const CURVES: Record<string, { curve: string; bytes: number }> = {
  ECC_NIST_P256: { curve: 'prime256v1', bytes: 32 },
  ECC_NIST_P384: { curve: 'secp384r1', bytes: 48 },
  ECC_NIST_P521: { curve: 'secp521r1', bytes: 66 },
};

const peerPair = (curve: string) => generateKeyPairSync('ec', { namedCurve: curve });
const spki = (key: ReturnType<typeof createPublicKey>) => key.export({ format: 'der', type: 'spki' });

async function kmsPublicKey(keyId: string) {
  const out = await client().getPublicKey({ KeyId: keyId });
  assert.deepEqual(out.KeyAgreementAlgorithms, ['ECDH']);
  return createPublicKey({ key: Buffer.from(out.PublicKey!), format: 'der', type: 'spki' });
}

const keys: Record<string, KeyMetadata> = {};
const dir = mkdtempSync(join(tmpdir(), 'kms-ecdh-'));
before(async () => {
  const created = await Promise.all(
    Object.keys(CURVES).map((spec) => createKey({ KeySpec: spec as KeySpec, KeyUsage: 'KEY_AGREEMENT' }, REGION)),
  );
  Object.keys(CURVES).forEach((spec, i) => (keys[spec] = created[i]!));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('DeriveSharedSecret', () => {
  for (const [spec, { curve, bytes }] of Object.entries(CURVES)) {
    test(`${spec}: equals node's diffieHellman(peer private, KMS public) and openssl pkeyutl -derive`, async () => {
      const md = keys[spec]!;
      const peer = peerPair(curve);
      const out = await client().deriveSharedSecret({ KeyId: md.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: spki(peer.publicKey) });
      assert.equal(out.KeyId, md.Arn);
      assert.equal(out.KeyAgreementAlgorithm, 'ECDH');
      assert.equal(out.KeyOrigin, 'AWS_KMS');
      assert.equal(out.SharedSecret?.length, bytes, 'raw x-coordinate, field-sized');

      const kmsPublic = await kmsPublicKey(md.KeyId!);
      assertBytesEqual(out.SharedSecret, diffieHellman({ privateKey: peer.privateKey, publicKey: kmsPublic }), 'node diffieHellman');

      const peerPem = join(dir, `${spec}-peer.pem`);
      const kmsPem = join(dir, `${spec}-kms.pem`);
      writeFileSync(peerPem, peer.privateKey.export({ format: 'pem', type: 'pkcs8' }));
      writeFileSync(kmsPem, kmsPublic.export({ format: 'pem', type: 'spki' }));
      const derived = execFileSync('openssl', ['pkeyutl', '-derive', '-inkey', peerPem, '-peerkey', kmsPem]);
      assertBytesEqual(out.SharedSecret, derived, 'openssl pkeyutl -derive');
    });
  }

  test('the same peer key gives the same secret; by alias and ARN too', async () => {
    const md = keys.ECC_NIST_P256!;
    const peer = spki(peerPair('prime256v1').publicKey);
    const alias = await createAlias(md.KeyId!, REGION, 'ecdh');
    const secrets = await Promise.all(
      [md.KeyId, md.Arn, alias].map((KeyId) => client().deriveSharedSecret({ KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer })),
    );
    for (const out of secrets) assertBytesEqual(out.SharedSecret, secrets[0]!.SharedSecret!, 'same secret');
  });

  test('wire members: KeyId, SharedSecret, KeyAgreementAlgorithm, KeyOrigin (no CiphertextForRecipient)', async () => {
    const md = keys.ECC_NIST_P384!;
    const res = await rawCall(
      'DeriveSharedSecret',
      { KeyId: md.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: spki(peerPair('secp384r1').publicKey).toString('base64') },
      { region: REGION },
    );
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.json ?? {}).sort(), ['KeyAgreementAlgorithm', 'KeyId', 'KeyOrigin', 'SharedSecret']);
  });
});

describe('DeriveSharedSecret errors and DryRun', () => {
  test('a peer key on another curve, of another type, off the curve, or garbage is ValidationException with no message [obs]', async () => {
    const md = keys.ECC_NIST_P256!;
    const offCurve = spki(peerPair('prime256v1').publicKey);
    offCurve[offCurve.length - 1]! ^= 0x01; // the point's y no longer matches x
    const bad = [
      offCurve,
      spki(peerPair('secp384r1').publicKey),
      spki(peerPair('secp256k1').publicKey),
      spki(generateKeyPairSync('ed25519').publicKey),
      spki(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey),
      randomBytes(91),
      Buffer.from(peerPair('prime256v1').publicKey.export({ format: 'pem', type: 'spki' })),
    ];
    for (const PublicKey of bad) {
      const answer = await rawCall('DeriveSharedSecret', { KeyId: md.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: PublicKey.toString('base64') }, { region: REGION });
      assert.equal(answer.status, 400);
      assert.deepEqual(answer.json, { __type: 'ValidationException' });
    }
    await expectKmsError(client().deriveSharedSecret({ KeyId: md.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: randomBytes(91) }), 'ValidationException');
  });

  test('wrong key usage is InvalidKeyUsageException in AWS\'s words [obs]', async () => {
    const signing = await createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }, REGION);
    const peer = spki(peerPair('prime256v1').publicKey);
    await expectKmsError(
      client().deriveSharedSecret({ KeyId: signing.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer }),
      'InvalidKeyUsageException',
      `${signing.Arn} key usage is SIGN_VERIFY which is not valid for DeriveSharedSecret.`,
    );
    const symmetric = await createKey({}, REGION);
    await expectKmsError(
      client().deriveSharedSecret({ KeyId: symmetric.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer }),
      'InvalidKeyUsageException',
      `${symmetric.Arn} key usage is ENCRYPT_DECRYPT which is not valid for DeriveSharedSecret.`,
    );
  });

  test('KeyAgreementAlgorithm is required and must be ECDH (model enum)', async () => {
    const md = keys.ECC_NIST_P256!;
    const peer = spki(peerPair('prime256v1').publicKey).toString('base64');
    const missing = await rawCall('DeriveSharedSecret', { KeyId: md.KeyId, PublicKey: peer }, { region: REGION });
    assert.equal(missing.status, 400);
    assert.equal(missing.json?.__type, 'ValidationException');
    const wrong = await rawCall('DeriveSharedSecret', { KeyId: md.KeyId, PublicKey: peer, KeyAgreementAlgorithm: 'DH' }, { region: REGION });
    assert.equal(wrong.json?.__type, 'ValidationException');
  });

  test('DryRun validates and raises DryRunOperationException; a bad peer key still fails first', async () => {
    const md = keys.ECC_NIST_P521!;
    await expectKmsError(
      client().deriveSharedSecret({ KeyId: md.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: spki(peerPair('secp521r1').publicKey), DryRun: true }),
      'DryRunOperationException',
      DRY_RUN_MESSAGE,
    );
    await expectKmsError(
      client().deriveSharedSecret({ KeyId: md.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: randomBytes(40), DryRun: true }),
      'ValidationException',
    );
  });

  test('a disabled key is DisabledException [obs]; Recipient is refused clearly', async () => {
    const md = await createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' }, REGION);
    const peer = spki(peerPair('prime256v1').publicKey);
    const recipient = await expectKmsError(
      client().deriveSharedSecret({
        KeyId: md.KeyId,
        KeyAgreementAlgorithm: 'ECDH',
        PublicKey: peer,
        Recipient: { KeyEncryptionAlgorithm: 'RSAES_OAEP_SHA_256', AttestationDocument: randomBytes(64) },
      }),
      'UnsupportedOperationException',
    );
    assert.match(recipient.message, /Recipient/);
    await client().disableKey({ KeyId: md.KeyId });
    await expectKmsError(
      client().deriveSharedSecret({ KeyId: md.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer }),
      'DisabledException',
      `${md.Arn} is disabled.`,
    );
  });

  test('kms:KeyAgreementAlgorithm in the key policy is evaluated', async () => {
    const policy = (algorithm: string) => JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'admin', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'deny other algorithms',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'kms:DeriveSharedSecret',
          Resource: '*',
          Condition: { StringNotEquals: { 'kms:KeyAgreementAlgorithm': algorithm } },
        },
      ],
    });
    const peer = spki(peerPair('prime256v1').publicKey);
    const allowed = await createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT', Policy: policy('ECDH') }, REGION);
    await client().deriveSharedSecret({ KeyId: allowed.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer });
    const denied = await createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT', Policy: policy('SM2') }, REGION);
    await expectKmsError(
      client().deriveSharedSecret({ KeyId: denied.KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer }),
      'AccessDeniedException',
    );
  });
});
