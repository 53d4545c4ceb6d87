/**
 * Sign, Verify and GetPublicKey over HTTP with the AWS SDK, every key spec and signing algorithm, RAW and
 * DIGEST (and EXTERNAL_MU for ML-DSA). KMS signatures are checked by independent verifiers from the DER
 * public key GetPublicKey returns: node:crypto, the openssl CLI, jose (JWTs), @noble/post-quantum.
 * Expectations follow AWS KMS (KMS-REFERENCE §1, §3, §4, §5, §14); where AWS is silent the choice is noted.
 * Region eu-west-2 (other test files use other regions).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, createHash, createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { importSPKI, jwtVerify } from 'jose';
import type { KeySpec, KeyUsageType, MessageType, SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { ACCOUNT, DRY_RUN_MESSAGE, expectKmsError, kms, utf8 } from './helpers.js';
import { ACCOUNT_B, clientFor } from './principals.js';

const REGION = 'eu-west-2';
const client = () => kms(REGION);

async function createKey(KeySpec: KeySpec, KeyUsage: KeyUsageType = 'SIGN_VERIFY') {
  const { KeyMetadata } = await client().createKey({ KeySpec, KeyUsage });
  assert.ok(KeyMetadata?.Arn && KeyMetadata.KeyId);
  return KeyMetadata as { Arn: string; KeyId: string };
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };
const hashOf = (algorithm: string) => HASH[algorithm.slice(-3)]!;
const flip = (b: Uint8Array, i = -1) => {
  const c = Buffer.from(b);
  const at = i < 0 ? c.length + i : i;
  c[at]! ^= 0x01;
  return c;
};
const pem = (spki: Uint8Array) => createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' }) as string;

function nodeOptions(algorithm: string, spki: Uint8Array) {
  const key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  if (algorithm.startsWith('RSASSA_PSS')) return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(algorithm.slice(-3)) / 8 };
  if (algorithm.startsWith('RSASSA_PKCS1')) return { key, padding: constants.RSA_PKCS1_PADDING };
  return { key, dsaEncoding: 'der' as const };
}

async function sign(KeyId: string, SigningAlgorithm: SigningAlgorithmSpec, Message: Uint8Array, MessageType?: MessageType) {
  const out = await client().sign({ KeyId, SigningAlgorithm, Message, MessageType });
  assert.equal(out.SigningAlgorithm, SigningAlgorithm);
  assert.ok(out.Signature && out.Signature.length > 0);
  return out;
}

async function expectVerified(KeyId: string, arn: string, SigningAlgorithm: SigningAlgorithmSpec, Message: Uint8Array, Signature: Uint8Array, MessageType?: MessageType) {
  const out = await client().verify({ KeyId, SigningAlgorithm, Message, Signature, MessageType });
  assert.equal(out.SignatureValid, true);
  assert.equal(out.KeyId, arn);
  assert.equal(out.SigningAlgorithm, SigningAlgorithm);
}

/** AWS raises KMSInvalidSignatureException with no message, never SignatureValid=false [obs]. */
async function expectInvalid(KeyId: string, SigningAlgorithm: SigningAlgorithmSpec, Message: Uint8Array, Signature: Uint8Array, MessageType?: MessageType) {
  const error = await expectKmsError(client().verify({ KeyId, SigningAlgorithm, Message, Signature, MessageType }), 'KMSInvalidSignatureException');
  assert.ok(!error.message || error.message === 'UnknownError', `no message expected, got ${error.message}`);
}

const SIGNING: Record<string, SigningAlgorithmSpec[]> = {
  RSA: ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512', 'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512'],
  ECC_NIST_P256: ['ECDSA_SHA_256'],
  ECC_NIST_P384: ['ECDSA_SHA_384'],
  ECC_NIST_P521: ['ECDSA_SHA_512'],
  ECC_SECG_P256K1: ['ECDSA_SHA_256'],
};

describe('Sign and Verify: RSA and ECDSA, every spec and algorithm, RAW and DIGEST', () => {
  for (const keySpec of ['RSA_2048', 'RSA_3072', 'RSA_4096', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1'] as KeySpec[]) {
    test(keySpec, async () => {
      const md = await createKey(keySpec);
      const pub = await client().getPublicKey({ KeyId: md.KeyId });
      assert.equal(pub.KeyId, md.Arn);
      assert.equal(pub.KeySpec, keySpec);
      assert.equal(pub.CustomerMasterKeySpec, keySpec);
      assert.equal(pub.KeyUsage, 'SIGN_VERIFY');
      const algorithms = SIGNING[keySpec.startsWith('RSA') ? 'RSA' : keySpec]!;
      assert.deepEqual(pub.SigningAlgorithms, algorithms);
      assert.equal(pub.EncryptionAlgorithms, undefined);
      assert.equal(pub.KeyAgreementAlgorithms, undefined);
      const spki = pub.PublicKey!;
      const message = randomBytes(4096); // the model's maximum
      for (const algorithm of algorithms) {
        const hash = hashOf(algorithm);
        const digest = createHash(hash).update(message).digest();
        for (const [messageType, input] of [['RAW', message], ['DIGEST', digest]] as [MessageType, Buffer][]) {
          const { Signature, KeyId } = await sign(md.KeyId, algorithm, input, messageType);
          assert.equal(KeyId, md.Arn);
          assert.ok(nodeVerify(hash, message, nodeOptions(algorithm, spki), Signature!), `${algorithm} ${messageType}: node:crypto verifies`);
          await expectVerified(md.KeyId, md.Arn, algorithm, input, Signature!, messageType);
          // The other message type over the same message verifies too: a RAW signature is a signature of the digest.
          await expectVerified(md.Arn, md.Arn, algorithm, messageType === 'RAW' ? digest : message, Signature!, messageType === 'RAW' ? 'DIGEST' : 'RAW');
          await expectInvalid(md.KeyId, algorithm, input, flip(Signature!), messageType);
          await expectInvalid(md.KeyId, algorithm, flip(input, 0), Signature!, messageType);
        }
      }
      if (keySpec === 'RSA_2048') {
        // Verify accepts a signature of the right algorithm only.
        const { Signature } = await sign(md.KeyId, 'RSASSA_PSS_SHA_256', message);
        await expectInvalid(md.KeyId, 'RSASSA_PKCS1_V1_5_SHA_256', message, Signature!);
        await expectInvalid(md.KeyId, 'RSASSA_PSS_SHA_512', message, Signature!);
        // Another key's signature does not verify.
        const other = await createKey('RSA_2048');
        await expectInvalid(other.KeyId, 'RSASSA_PSS_SHA_256', message, Signature!);
      }
    });
  }
});

describe('Sign and Verify: Ed25519 and ML-DSA', () => {
  test('ECC_NIST_EDWARDS25519: ED25519_SHA_512 (RAW) and ED25519_PH_SHA_512 (DIGEST = SHA-512 of the message, RFC 8032 Ed25519ph)', async () => {
    const md = await createKey('ECC_NIST_EDWARDS25519');
    const pub = await client().getPublicKey({ KeyId: md.KeyId });
    assert.deepEqual(pub.SigningAlgorithms, ['ED25519_SHA_512', 'ED25519_PH_SHA_512']);
    const message = randomBytes(1000);
    const pure = (await sign(md.KeyId, 'ED25519_SHA_512', message, 'RAW')).Signature!;
    assert.ok(nodeVerify(null, message, createPublicKey({ key: Buffer.from(pub.PublicKey!), format: 'der', type: 'spki' }), pure));
    await expectVerified(md.KeyId, md.Arn, 'ED25519_SHA_512', message, pure);
    await expectInvalid(md.KeyId, 'ED25519_SHA_512', message, flip(pure));

    const digest = createHash('sha512').update(message).digest();
    const ph = (await sign(md.KeyId, 'ED25519_PH_SHA_512', digest, 'DIGEST')).Signature!;
    assert.ok(ed25519ph.verify(ph, message, Buffer.from(pub.PublicKey!).subarray(-32)), 'noble ed25519ph verifies over the message');
    await expectVerified(md.KeyId, md.Arn, 'ED25519_PH_SHA_512', digest, ph, 'DIGEST');
    await expectInvalid(md.KeyId, 'ED25519_PH_SHA_512', digest, flip(ph), 'DIGEST');
    await expectInvalid(md.KeyId, 'ED25519_PH_SHA_512', digest, pure, 'DIGEST');
    await expectInvalid(md.KeyId, 'ED25519_SHA_512', message, ph);

    // KMS-REFERENCE §4: ED25519_SHA_512 requires RAW, ED25519_PH_SHA_512 requires DIGEST. AWS's message is
    // unverified: ValidationException with our wording.
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ED25519_SHA_512', Message: digest, MessageType: 'DIGEST' }),
      'ValidationException', 'MessageType DIGEST is not supported for signing algorithm ED25519_SHA_512.');
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ED25519_PH_SHA_512', Message: message }),
      'ValidationException', 'MessageType RAW is not supported for signing algorithm ED25519_PH_SHA_512.');
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ED25519_PH_SHA_512', Message: digest.subarray(0, 32), MessageType: 'DIGEST' }),
      'ValidationException', 'Digest is invalid length for algorithm ED25519_PH_SHA_512.');
  });

  for (const [keySpec, dsa] of [['ML_DSA_44', ml_dsa44], ['ML_DSA_65', ml_dsa65], ['ML_DSA_87', ml_dsa87]] as const) {
    test(`${keySpec}: ML_DSA_SHAKE_256, RAW and EXTERNAL_MU, verified by @noble/post-quantum from the SPKI`, async () => {
      const md = await createKey(keySpec);
      const pub = await client().getPublicKey({ KeyId: md.KeyId });
      assert.deepEqual(pub.SigningAlgorithms, ['ML_DSA_SHAKE_256']);
      // SubjectPublicKeyInfo: SEQUENCE { SEQUENCE { OID 2.16.840.1.101.3.4.3.17/18/19 } (no parameters), BIT STRING }
      // (RFC 9881). openssl 3.0 does not know ML-DSA, so the structure is checked here.
      const spki = Buffer.from(pub.PublicKey!);
      const pkLength = dsa.lengths.publicKey!;
      const oidLast = { ML_DSA_44: 0x11, ML_DSA_65: 0x12, ML_DSA_87: 0x13 }[keySpec];
      assert.equal(spki[0], 0x30);
      assert.equal(spki[1], 0x82);
      assert.equal(spki.readUInt16BE(2), spki.length - 4);
      assert.deepEqual([...spki.subarray(4, 17)], [0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, oidLast]);
      assert.deepEqual([...spki.subarray(17, 22)], [0x03, 0x82, (pkLength + 1) >> 8, (pkLength + 1) & 0xff, 0x00]);
      const publicKey = spki.subarray(22);
      assert.equal(publicKey.length, pkLength);

      const message = randomBytes(2048);
      const raw = (await sign(md.KeyId, 'ML_DSA_SHAKE_256', message)).Signature!;
      assert.ok(dsa.verify(raw, message, publicKey), 'pure ML-DSA, empty context');
      await expectVerified(md.KeyId, md.Arn, 'ML_DSA_SHAKE_256', message, raw);
      await expectInvalid(md.KeyId, 'ML_DSA_SHAKE_256', message, flip(raw, 3));

      // mu = SHAKE256(SHAKE256(pk, 64) || 0x00 || 0x00 || M, 64) (FIPS 204 Algorithms 2 and 7, empty context).
      const tr = createHash('shake256', { outputLength: 64 }).update(publicKey).digest();
      const mu = createHash('shake256', { outputLength: 64 }).update(tr).update(Buffer.from([0, 0])).update(message).digest();
      const external = (await sign(md.KeyId, 'ML_DSA_SHAKE_256', mu, 'EXTERNAL_MU')).Signature!;
      assert.ok(dsa.verify(external, message, publicKey), 'an EXTERNAL_MU signature is an ML-DSA signature of the message');
      await expectVerified(md.KeyId, md.Arn, 'ML_DSA_SHAKE_256', mu, external, 'EXTERNAL_MU');
      await expectVerified(md.KeyId, md.Arn, 'ML_DSA_SHAKE_256', message, external, 'RAW');
      await expectInvalid(md.KeyId, 'ML_DSA_SHAKE_256', flip(mu), external, 'EXTERNAL_MU');

      await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ML_DSA_SHAKE_256', Message: mu.subarray(0, 32), MessageType: 'EXTERNAL_MU' }),
        'ValidationException', 'External mu is invalid length for algorithm ML_DSA_SHAKE_256.');
      await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ML_DSA_SHAKE_256', Message: mu, MessageType: 'DIGEST' }),
        'ValidationException', 'MessageType DIGEST is not supported for signing algorithm ML_DSA_SHAKE_256.');
    });
  }
});

describe('independent verifiers: the openssl CLI and jose', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kms-sign-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function openssl(args: string[]): string {
    return execFileSync('openssl', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }
  function files(spki: Uint8Array, message: Uint8Array, signature: Uint8Array) {
    writeFileSync(join(dir, 'pub.pem'), pem(spki));
    writeFileSync(join(dir, 'msg'), message);
    writeFileSync(join(dir, 'sig'), signature);
  }

  test('openssl verifies RSASSA_PSS_SHA_256 (salt 32), ECDSA_SHA_256 on P-256 and Ed25519; and refuses a tampered one', async () => {
    const message = utf8('signed by KMS, checked by openssl');
    const rsa = await createKey('RSA_2048');
    const rsaPub = (await client().getPublicKey({ KeyId: rsa.KeyId })).PublicKey!;
    files(rsaPub, message, (await sign(rsa.KeyId, 'RSASSA_PSS_SHA_256', message)).Signature!);
    assert.match(openssl(['dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-verify', 'pub.pem', '-signature', 'sig', 'msg']), /Verified OK/);
    files(rsaPub, message, (await sign(rsa.KeyId, 'RSASSA_PSS_SHA_512', createHash('sha512').update(message).digest(), 'DIGEST')).Signature!);
    assert.match(openssl(['dgst', '-sha512', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:64', '-verify', 'pub.pem', '-signature', 'sig', 'msg']), /Verified OK/);

    const ec = await createKey('ECC_NIST_P256');
    const ecPub = (await client().getPublicKey({ KeyId: ec.KeyId })).PublicKey!;
    assert.match(openssl(['pkey', '-pubin', '-in', 'pub.pem', '-noout', '-text']), /Public-Key/);
    const ecSig = (await sign(ec.KeyId, 'ECDSA_SHA_256', createHash('sha256').update(message).digest(), 'DIGEST')).Signature!;
    files(ecPub, message, ecSig);
    assert.match(openssl(['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig', 'msg']), /Verified OK/);
    files(ecPub, message, flip(ecSig, 10));
    assert.throws(() => openssl(['dgst', '-sha256', '-verify', 'pub.pem', '-signature', 'sig', 'msg']));

    const ed = await createKey('ECC_NIST_EDWARDS25519');
    const edPub = (await client().getPublicKey({ KeyId: ed.KeyId })).PublicKey!;
    files(edPub, message, (await sign(ed.KeyId, 'ED25519_SHA_512', message)).Signature!);
    assert.match(openssl(['pkeyutl', '-verify', '-pubin', '-inkey', 'pub.pem', '-rawin', '-in', 'msg', '-sigfile', 'sig']), /Signature Verified Successfully/);
  });

  test('JWTs signed through KMS verify with jose: ES256 (P-256), RS256 and PS256 (RSA_2048)', async () => {
    const b64u = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const ec = await createKey('ECC_NIST_P256');
    const rsa = await createKey('RSA_2048');
    const cases = [
      { alg: 'ES256', key: ec, algorithm: 'ECDSA_SHA_256' },
      { alg: 'RS256', key: rsa, algorithm: 'RSASSA_PKCS1_V1_5_SHA_256' },
      { alg: 'PS256', key: rsa, algorithm: 'RSASSA_PSS_SHA_256' },
    ] as const;
    for (const { alg, key, algorithm } of cases) {
      const input = `${b64u({ alg, typ: 'JWT', kid: key.KeyId })}.${b64u({ sub: 'kms-test', iat: now, exp: now + 300 })}`;
      let signature: Buffer = Buffer.from((await sign(key.KeyId, algorithm, utf8(input))).Signature!);
      if (alg === 'ES256') signature = derToJose(signature, 32); // JWS ES256 is r || s, not DER
      const jwt = `${input}.${signature.toString('base64url')}`;
      const publicKey = await importSPKI(pem((await client().getPublicKey({ KeyId: key.KeyId })).PublicKey!), alg);
      const { payload, protectedHeader } = await jwtVerify(jwt, publicKey, { algorithms: [alg] });
      assert.equal(payload.sub, 'kms-test');
      assert.equal(protectedHeader.kid, key.KeyId);
      await assert.rejects(jwtVerify(`${input}.${flip(signature).toString('base64url')}`, publicKey));
    }
  });
});

/** DER ECDSA-Sig-Value → fixed-size r || s. */
function derToJose(der: Buffer, size: number): Buffer {
  assert.equal(der[0], 0x30);
  let offset = der[1]! & 0x80 ? 2 + (der[1]! & 0x7f) : 2;
  const ints: Buffer[] = [];
  for (let i = 0; i < 2; i++) {
    assert.equal(der[offset], 0x02);
    const length = der[offset + 1]!;
    let value = der.subarray(offset + 2, offset + 2 + length);
    while (value.length > size && value[0] === 0) value = value.subarray(1);
    ints.push(Buffer.concat([Buffer.alloc(size - value.length), value]));
    offset += 2 + length;
  }
  return Buffer.concat(ints);
}

describe('Sign, Verify and GetPublicKey: errors, key states, DryRun', () => {
  test('wrong digest length: ValidationException in AWS\'s words [obs]', async () => {
    const md = await createKey('ECC_NIST_P256');
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ECDSA_SHA_256', Message: randomBytes(31), MessageType: 'DIGEST' }),
      'ValidationException', 'Digest is invalid length for algorithm ECDSA_SHA_256.');
    await expectKmsError(client().verify({ KeyId: md.KeyId, SigningAlgorithm: 'ECDSA_SHA_256', Message: randomBytes(48), MessageType: 'DIGEST', Signature: randomBytes(70) }),
      'ValidationException', 'Digest is invalid length for algorithm ECDSA_SHA_256.');
  });

  test('an algorithm the key does not list: InvalidKeyUsageException (wording by analogy with the MAC message [obs])', async () => {
    const md = await createKey('ECC_NIST_P256');
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ECDSA_SHA_384', Message: utf8('m') }),
      'InvalidKeyUsageException', 'Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256.');
    await expectKmsError(client().verify({ KeyId: md.KeyId, SigningAlgorithm: 'RSASSA_PSS_SHA_256', Message: utf8('m'), Signature: randomBytes(64) }),
      'InvalidKeyUsageException', 'Algorithm RSASSA_PSS_SHA_256 is incompatible with key spec ECC_NIST_P256.');
  });

  test('wrong key usage: symmetric, HMAC, RSA ENCRYPT_DECRYPT and ECC KEY_AGREEMENT keys cannot sign [obs wording]', async () => {
    const symmetric = await client().createKey({});
    const hmac = await createKey('HMAC_256', 'GENERATE_VERIFY_MAC');
    const rsaEncrypt = await createKey('RSA_2048', 'ENCRYPT_DECRYPT');
    const ecdh = await createKey('ECC_NIST_P256', 'KEY_AGREEMENT');
    const cases = [
      [symmetric.KeyMetadata!.Arn!, 'ENCRYPT_DECRYPT'],
      [hmac.Arn, 'GENERATE_VERIFY_MAC'],
      [rsaEncrypt.Arn, 'ENCRYPT_DECRYPT'],
      [ecdh.Arn, 'KEY_AGREEMENT'],
    ] as const;
    for (const [arn, usage] of cases) {
      await expectKmsError(client().sign({ KeyId: arn, SigningAlgorithm: 'ECDSA_SHA_256', Message: utf8('m') }),
        'InvalidKeyUsageException', `${arn} key usage is ${usage} which is not valid for Sign.`);
      await expectKmsError(client().verify({ KeyId: arn, SigningAlgorithm: 'ECDSA_SHA_256', Message: utf8('m'), Signature: randomBytes(70) }),
        'InvalidKeyUsageException', `${arn} key usage is ${usage} which is not valid for Verify.`);
    }
    // GetPublicKey: symmetric and HMAC keys have none (UnsupportedOperationException, our wording); asymmetric
    // keys of any usage return theirs with the algorithm list of that usage.
    for (const [arn, spec] of [[symmetric.KeyMetadata!.Arn!, 'SYMMETRIC_DEFAULT'], [hmac.Arn, 'HMAC_256']] as const) {
      await expectKmsError(client().getPublicKey({ KeyId: arn }), 'UnsupportedOperationException', `${arn} key spec is ${spec} which is not valid for GetPublicKey.`);
    }
    const rsaPub = await client().getPublicKey({ KeyId: rsaEncrypt.KeyId });
    assert.equal(rsaPub.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.deepEqual(rsaPub.EncryptionAlgorithms, ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    assert.equal(rsaPub.SigningAlgorithms, undefined);
    assert.equal(createPublicKey({ key: Buffer.from(rsaPub.PublicKey!), format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength, 2048);
    const ecdhPub = await client().getPublicKey({ KeyId: ecdh.KeyId });
    assert.equal(ecdhPub.KeyUsage, 'KEY_AGREEMENT');
    assert.deepEqual(ecdhPub.KeyAgreementAlgorithms, ['ECDH']);
    assert.equal(createPublicKey({ key: Buffer.from(ecdhPub.PublicKey!), format: 'der', type: 'spki' }).asymmetricKeyDetails?.namedCurve, 'prime256v1');
  });

  test('message limits from the model: empty and 4097 bytes are refused', async () => {
    const md = await createKey('ECC_NIST_P256');
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ECDSA_SHA_256', Message: randomBytes(4097) }), 'ValidationException',
      /Member must have length less than or equal to 4096/);
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ECDSA_SHA_256', Message: new Uint8Array(0) }), 'ValidationException');
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'NOPE' as SigningAlgorithmSpec, Message: utf8('m') }), 'ValidationException',
      /signingAlgorithm/);
  });

  test('aliases work; a Disabled key gives DisabledException for Sign, Verify and GetPublicKey', async () => {
    const md = await createKey('ECC_NIST_P384');
    const alias = `alias/sign-${randomBytes(6).toString('hex')}`;
    await client().createAlias({ AliasName: alias, TargetKeyId: md.KeyId });
    const message = utf8('through an alias');
    const { Signature, KeyId } = await sign(alias, 'ECDSA_SHA_384', message);
    assert.equal(KeyId, md.Arn);
    await expectVerified(alias, md.Arn, 'ECDSA_SHA_384', message, Signature!);
    assert.equal((await client().getPublicKey({ KeyId: alias })).KeyId, md.Arn);

    await client().disableKey({ KeyId: md.KeyId });
    const disabled = `${md.Arn} is disabled.`;
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ECDSA_SHA_384', Message: message }), 'DisabledException', disabled);
    await expectKmsError(client().verify({ KeyId: md.KeyId, SigningAlgorithm: 'ECDSA_SHA_384', Message: message, Signature }), 'DisabledException', disabled);
    await expectKmsError(client().getPublicKey({ KeyId: md.KeyId }), 'DisabledException', disabled);
    await client().enableKey({ KeyId: md.KeyId });
    await expectVerified(md.KeyId, md.Arn, 'ECDSA_SHA_384', message, Signature!);
  });

  test('DryRun: DryRunOperationException after every check (Verify does not look at the signature)', async () => {
    const md = await createKey('ECC_NIST_P256');
    const message = utf8('dry');
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ECDSA_SHA_256', Message: message, DryRun: true }),
      'DryRunOperationException', DRY_RUN_MESSAGE);
    await expectKmsError(client().verify({ KeyId: md.KeyId, SigningAlgorithm: 'ECDSA_SHA_256', Message: message, Signature: randomBytes(70), DryRun: true }),
      'DryRunOperationException', DRY_RUN_MESSAGE);
    // Checks come first: a bad digest length or algorithm is reported even with DryRun.
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ECDSA_SHA_256', Message: message, MessageType: 'DIGEST', DryRun: true }),
      'ValidationException', 'Digest is invalid length for algorithm ECDSA_SHA_256.');
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ECDSA_SHA_512', Message: message, DryRun: true }), 'InvalidKeyUsageException');
    await client().disableKey({ KeyId: md.KeyId });
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'ECDSA_SHA_256', Message: message, DryRun: true }), 'DisabledException');
  });

  test('a malformed signature (wrong length, garbage) is KMSInvalidSignatureException, never a 500', async () => {
    const rsa = await createKey('RSA_2048');
    const ec = await createKey('ECC_NIST_P521');
    const ed = await createKey('ECC_NIST_EDWARDS25519');
    const ml = await createKey('ML_DSA_44');
    const digest = (h: string) => createHash(h).update('m').digest();
    for (const signature of [randomBytes(1), randomBytes(256), Buffer.alloc(256, 0xff), randomBytes(6144)]) {
      await expectInvalid(rsa.KeyId, 'RSASSA_PSS_SHA_256', digest('sha256'), signature, 'DIGEST');
      await expectInvalid(rsa.KeyId, 'RSASSA_PKCS1_V1_5_SHA_256', digest('sha256'), signature, 'DIGEST');
      await expectInvalid(rsa.KeyId, 'RSASSA_PSS_SHA_256', utf8('m'), signature);
      await expectInvalid(ec.KeyId, 'ECDSA_SHA_512', digest('sha512'), signature, 'DIGEST');
      await expectInvalid(ec.KeyId, 'ECDSA_SHA_512', utf8('m'), signature);
      await expectInvalid(ed.KeyId, 'ED25519_PH_SHA_512', digest('sha512'), signature, 'DIGEST');
      await expectInvalid(ed.KeyId, 'ED25519_SHA_512', utf8('m'), signature);
      await expectInvalid(ml.KeyId, 'ML_DSA_SHAKE_256', utf8('m'), signature);
      await expectInvalid(ml.KeyId, 'ML_DSA_SHAKE_256', randomBytes(64), signature, 'EXTERNAL_MU');
    }
  });
});

describe('authorization: condition keys and cross-account use', () => {
  test('kms:SigningAlgorithm and kms:MessageType reach the key policy; another account may sign by key ARN when allowed', async () => {
    const md = await createKey('RSA_2048');
    const rootArn = `arn:aws:iam::${ACCOUNT}:root`;
    const policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: rootArn }, Action: 'kms:*', Resource: '*' },
        {
          Sid: 'No PKCS#1 v1.5',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: ['kms:Sign', 'kms:Verify'],
          Resource: '*',
          Condition: { StringLike: { 'kms:SigningAlgorithm': 'RSASSA_PKCS1_V1_5_*' } },
        },
        { Sid: 'Verify RAW only', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Verify', Resource: '*', Condition: { StringEquals: { 'kms:MessageType': 'DIGEST' } } },
        {
          Sid: 'Other account signs',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT_B}:root` },
          Action: ['kms:Sign', 'kms:Verify', 'kms:GetPublicKey'],
          Resource: '*',
        },
      ],
    };
    await client().putKeyPolicy({ KeyId: md.KeyId, PolicyName: 'default', Policy: JSON.stringify(policy) });
    const message = utf8('policy');
    const digest = createHash('sha256').update(message).digest();
    const { Signature } = await sign(md.KeyId, 'RSASSA_PSS_SHA_256', message);
    await expectKmsError(client().sign({ KeyId: md.KeyId, SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256', Message: message }), 'AccessDeniedException');
    await expectVerified(md.KeyId, md.Arn, 'RSASSA_PSS_SHA_256', message, Signature!);
    await expectKmsError(client().verify({ KeyId: md.KeyId, SigningAlgorithm: 'RSASSA_PSS_SHA_256', Message: digest, MessageType: 'DIGEST', Signature }), 'AccessDeniedException');
    // Sign with DIGEST is still allowed (the MessageType deny is on Verify only).
    await sign(md.KeyId, 'RSASSA_PSS_SHA_256', digest, 'DIGEST');

    const other = clientFor('dave', REGION);
    const signed = await other.sign({ KeyId: md.Arn, SigningAlgorithm: 'RSASSA_PSS_SHA_512', Message: message });
    assert.equal(signed.KeyId, md.Arn);
    assert.equal((await other.verify({ KeyId: md.Arn, SigningAlgorithm: 'RSASSA_PSS_SHA_512', Message: message, Signature: signed.Signature })).SignatureValid, true);
    assert.equal((await other.getPublicKey({ KeyId: md.Arn })).KeyId, md.Arn);
    await expectKmsError(other.sign({ KeyId: md.Arn, SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_512', Message: message }), 'AccessDeniedException');
  });
});
