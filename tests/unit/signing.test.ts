/**
 * core/signing: the algorithm/message-type/digest-length rules and the primitives, checked against
 * independent verifiers (node:crypto on the raw message, @noble/post-quantum, @noble/curves' ed25519ph)
 * and RFC 8032's Ed25519ph test vector.
 */
import assert from 'node:assert/strict';
import { constants, createHash, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { describe, test } from 'node:test';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { asymmetricKey, newPrivateMaterial } from '../../shared/core/key-pairs.js';
import { loadNoble } from '../../shared/core/noble.js';
import { keySpecs } from '../../shared/core/key-specs.js';
import {
  checkSigningRequest,
  ed25519phSign,
  ed25519phVerify,
  signingAlgorithms,
  signMessage,
  verifySignature,
  type MessageType,
} from '../../shared/core/signing.js';
import { KmsError } from '../../shared/errors.js';

await loadNoble(); // as keys/key-material.ts does before any asymmetric key is used
const ML_DSA = { ml_dsa44, ml_dsa65, ml_dsa87 };
const random = { bytes: (n: number) => randomBytes(n) };
let counter = 0;
async function keyOf(keySpec: string) {
  const material = await newPrivateMaterial(keySpec, random as never);
  return asymmetricKey(keySpec, `unit-${counter++}-${randomBytes(4).toString('hex')}`, material);
}

function kmsError(type: string, message?: string) {
  return (e: unknown) => e instanceof KmsError && e.type === type && (message === undefined || e.message === message);
}

const hashOf = (algorithm: string) => signingAlgorithms[algorithm]!.hash!;
const flip = (b: Buffer, i = -1) => {
  const c = Buffer.from(b);
  const at = i < 0 ? c.length + i : i;
  c[at]! ^= 0x01;
  return c;
};

/** node:crypto options that verify a KMS signature of `algorithm` independently. */
function nodeOptions(algorithm: string, spki: Buffer) {
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  if (algorithm.startsWith('RSASSA_PSS')) return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(algorithm.slice(-3)) / 8 };
  if (algorithm.startsWith('RSASSA_PKCS1')) return { key, padding: constants.RSA_PKCS1_PADDING };
  return { key, dsaEncoding: 'der' as const };
}

describe('checkSigningRequest', () => {
  test('the algorithm must be one of the key spec\'s SigningAlgorithms: InvalidKeyUsageException', () => {
    assert.throws(() => checkSigningRequest('ECC_NIST_P256', 'ECDSA_SHA_384', 'RAW', Buffer.from('x')),
      kmsError('InvalidKeyUsageException', 'Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256.'));
    assert.throws(() => checkSigningRequest('RSA_2048', 'ECDSA_SHA_256', 'RAW', Buffer.from('x')), kmsError('InvalidKeyUsageException'));
    assert.throws(() => checkSigningRequest('ML_DSA_44', 'ED25519_SHA_512', 'RAW', Buffer.from('x')), kmsError('InvalidKeyUsageException'));
    assert.throws(() => checkSigningRequest('SYMMETRIC_DEFAULT', 'RSASSA_PSS_SHA_256', 'RAW', Buffer.from('x')), kmsError('InvalidKeyUsageException'));
  });
  test('digest length equals the hash size [obs wording]', () => {
    for (const [algorithm, size] of [['ECDSA_SHA_256', 32], ['RSASSA_PSS_SHA_384', 48], ['RSASSA_PKCS1_V1_5_SHA_512', 64], ['ED25519_PH_SHA_512', 64]] as const) {
      const spec = Object.keys(keySpecs).find((s) => keySpecs[s]!.signing?.includes(algorithm))!;
      assert.doesNotThrow(() => checkSigningRequest(spec, algorithm, 'DIGEST', Buffer.alloc(size)));
      for (const bad of [size - 1, size + 1, 1]) {
        assert.throws(() => checkSigningRequest(spec, algorithm, 'DIGEST', Buffer.alloc(bad)),
          kmsError('ValidationException', `Digest is invalid length for algorithm ${algorithm}.`));
      }
    }
  });
  test('Ed25519: ED25519_SHA_512 RAW only, ED25519_PH_SHA_512 DIGEST only; ML-DSA: RAW or EXTERNAL_MU (64 bytes)', () => {
    assert.throws(() => checkSigningRequest('ECC_NIST_EDWARDS25519', 'ED25519_SHA_512', 'DIGEST', Buffer.alloc(64)),
      kmsError('ValidationException', 'MessageType DIGEST is not supported for signing algorithm ED25519_SHA_512.'));
    assert.throws(() => checkSigningRequest('ECC_NIST_EDWARDS25519', 'ED25519_PH_SHA_512', 'RAW', Buffer.alloc(64)), kmsError('ValidationException'));
    assert.throws(() => checkSigningRequest('ML_DSA_65', 'ML_DSA_SHAKE_256', 'DIGEST', Buffer.alloc(64)), kmsError('ValidationException'));
    assert.throws(() => checkSigningRequest('ECC_NIST_P256', 'ECDSA_SHA_256', 'EXTERNAL_MU', Buffer.alloc(64)), kmsError('ValidationException'));
    assert.throws(() => checkSigningRequest('ML_DSA_65', 'ML_DSA_SHAKE_256', 'EXTERNAL_MU', Buffer.alloc(63)),
      kmsError('ValidationException', 'External mu is invalid length for algorithm ML_DSA_SHAKE_256.'));
    assert.doesNotThrow(() => checkSigningRequest('ML_DSA_65', 'ML_DSA_SHAKE_256', 'EXTERNAL_MU', Buffer.alloc(64)));
    assert.doesNotThrow(() => checkSigningRequest('ML_DSA_65', 'ML_DSA_SHAKE_256', 'RAW', Buffer.alloc(4096)));
  });
});

describe('RSA and ECDSA, RAW and DIGEST, against node:crypto', () => {
  const specs = ['RSA_2048', 'RSA_3072', 'ECC_NIST_P256', 'ECC_NIST_P384', 'ECC_NIST_P521', 'ECC_SECG_P256K1'];
  for (const keySpec of specs) {
    test(keySpec, async () => {
      const key = await keyOf(keySpec);
      const message = randomBytes(100);
      for (const algorithm of keySpecs[keySpec]!.signing!) {
        const hash = hashOf(algorithm);
        const digest = createHash(hash).update(message).digest();
        const options = nodeOptions(algorithm, key.publicKeyDer);
        for (const [messageType, input] of [['RAW', message], ['DIGEST', digest]] as [MessageType, Buffer][]) {
          const request = { keySpec, key, algorithm, messageType, message: input };
          const signature = signMessage(request, random.bytes);
          assert.ok(nodeVerify(hash, message, options, signature), `${algorithm} ${messageType}: node:crypto verifies`);
          assert.ok(verifySignature(request, signature), `${algorithm} ${messageType}: verifies`);
          assert.ok(!verifySignature(request, flip(signature)), `${algorithm} ${messageType}: tampered signature`);
          assert.ok(!verifySignature(request, flip(signature, 10)), `${algorithm} ${messageType}: tampered signature (early byte)`);
          assert.ok(!verifySignature({ ...request, message: flip(input) }, signature), `${algorithm} ${messageType}: other message`);
          assert.ok(!verifySignature(request, Buffer.alloc(0)), 'empty signature');
          assert.ok(!verifySignature(request, Buffer.concat([signature, Buffer.from([0])])), 'trailing byte');
        }
        // A signature made outside (node:crypto over the raw message) verifies as RAW and as DIGEST.
        const outside = nodeSign(hash, message, { ...options, key: key.privateKey! });
        assert.ok(verifySignature({ keySpec, key, algorithm, messageType: 'RAW', message }, outside));
        assert.ok(verifySignature({ keySpec, key, algorithm, messageType: 'DIGEST', message: digest }, outside));
      }
      if (keySpec === 'RSA_2048') {
        // Accepts a signature of the right algorithm only: PSS and PKCS#1 v1.5 do not cross, nor do hashes.
        const request = { keySpec, key, algorithm: 'RSASSA_PSS_SHA_256', messageType: 'RAW' as const, message };
        const pss = signMessage(request, random.bytes);
        assert.ok(!verifySignature({ ...request, algorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }, pss));
        assert.ok(!verifySignature({ ...request, algorithm: 'RSASSA_PSS_SHA_384' }, pss));
        assert.ok(!verifySignature({ ...request, messageType: 'DIGEST', message: createHash('sha384').update(message).digest().subarray(0, 32), algorithm: 'RSASSA_PSS_SHA_256' }, pss));
        // A PSS signature with another salt length (0) is refused: salt length = digest length.
        const saltless = nodeSign('sha256', message, { key: key.privateKey!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 0 });
        assert.ok(!verifySignature(request, saltless));
        assert.ok(!verifySignature({ ...request, messageType: 'DIGEST', message: createHash('sha256').update(message).digest() }, saltless));
      }
    });
  }
});

describe('Ed25519 and Ed25519ph', () => {
  test('RFC 8032 §7.3 test vector (Ed25519ph, "abc")', () => {
    const seed = Buffer.from('833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42', 'hex');
    const publicKey = Buffer.from('ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf', 'hex');
    const expected =
      '98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae41' + '31f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406';
    const digest = createHash('sha512').update('abc').digest();
    const signature = ed25519phSign(seed, publicKey, digest);
    assert.equal(signature.toString('hex'), expected);
    assert.ok(ed25519phVerify(publicKey, digest, signature));
    assert.ok(!ed25519phVerify(publicKey, digest, flip(signature)));
    assert.ok(!ed25519phVerify(publicKey, flip(digest), signature));
  });
  test('a KMS key: ED25519_SHA_512 verifies with node:crypto, ED25519_PH_SHA_512 with noble ed25519ph', async () => {
    const keySpec = 'ECC_NIST_EDWARDS25519';
    const key = await keyOf(keySpec);
    const message = randomBytes(77);
    const pure = signMessage({ keySpec, key, algorithm: 'ED25519_SHA_512', messageType: 'RAW', message }, random.bytes);
    assert.ok(nodeVerify(null, message, createPublicKey({ key: key.publicKeyDer, format: 'der', type: 'spki' }), pure));
    assert.ok(verifySignature({ keySpec, key, algorithm: 'ED25519_SHA_512', messageType: 'RAW', message }, pure));
    const digest = createHash('sha512').update(message).digest();
    const request = { keySpec, key, algorithm: 'ED25519_PH_SHA_512', messageType: 'DIGEST' as const, message: digest };
    const ph = signMessage(request, random.bytes);
    const rawPublic = key.publicKeyDer.subarray(key.publicKeyDer.length - 32);
    assert.ok(ed25519ph.verify(ph, message, rawPublic), 'noble ed25519ph verifies over the original message');
    assert.ok(verifySignature(request, ph));
    assert.ok(!verifySignature(request, pure), 'a pure Ed25519 signature is not an Ed25519ph one');
    assert.ok(!verifySignature({ keySpec, key, algorithm: 'ED25519_SHA_512', messageType: 'RAW', message }, ph));
    assert.ok(!verifySignature(request, flip(ph)));
  });
});

describe('ML-DSA', () => {
  for (const keySpec of ['ML_DSA_44', 'ML_DSA_65', 'ML_DSA_87']) {
    test(`${keySpec}: RAW (pure, empty context) and EXTERNAL_MU verify with noble's public API`, async () => {
      const key = await keyOf(keySpec);
      const dsa = ML_DSA[keySpecs[keySpec]!.mlDsa!];
      const publicKey = key.mlDsa!.publicKey;
      assert.deepEqual(new Uint8Array(key.publicKeyDer.subarray(key.publicKeyDer.length - publicKey.length)), publicKey);
      const message = randomBytes(300);
      const request = { keySpec, key, algorithm: 'ML_DSA_SHAKE_256', messageType: 'RAW' as const, message };
      const signature = signMessage(request, random.bytes);
      assert.equal(signature.length, dsa.lengths.signature);
      assert.ok(dsa.verify(signature, message, publicKey));
      assert.ok(verifySignature(request, signature));
      assert.ok(!verifySignature(request, flip(signature, 5)));
      // mu = SHAKE256(tr || M', 64), tr = SHAKE256(pk, 64), M' = 0x00 || len(ctx)=0 || M (FIPS 204 Alg. 2, 7).
      const tr = createHash('shake256', { outputLength: 64 }).update(publicKey).digest();
      const mu = createHash('shake256', { outputLength: 64 }).update(tr).update(Buffer.from([0, 0])).update(message).digest();
      const muRequest = { ...request, messageType: 'EXTERNAL_MU' as const, message: mu };
      const muSignature = signMessage(muRequest, random.bytes);
      assert.ok(dsa.verify(muSignature, message, publicKey), 'an EXTERNAL_MU signature is a pure ML-DSA signature of M');
      assert.ok(verifySignature(muRequest, muSignature));
      assert.ok(verifySignature(muRequest, signature), 'a RAW signature verifies against its mu');
      assert.ok(verifySignature(request, muSignature));
      assert.ok(!verifySignature(muRequest, flip(muSignature, 5)));
    });
  }
});
