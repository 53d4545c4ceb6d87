/** The pure HMAC module (shared/core/hmac.ts) behind GenerateMac and VerifyMac. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { computeMac, incompatibleMacAlgorithm, macDigest, macMatches } from '../../shared/core/hmac.js';
import { keySpecs } from '../../shared/core/key-specs.js';

const HMAC_SPECS = ['HMAC_224', 'HMAC_256', 'HMAC_384', 'HMAC_512'];
const ALGORITHMS = ['HMAC_SHA_224', 'HMAC_SHA_256', 'HMAC_SHA_384', 'HMAC_SHA_512'];

// RFC 4231 test case 2 (key "Jefe"): GenerateMac returns the standard, raw RFC 2104 HMAC (API reference).
const RFC4231 = {
  key: Buffer.from('Jefe'),
  data: Buffer.from('what do ya want for nothing?'),
  macs: {
    HMAC_SHA_224: 'a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44',
    HMAC_SHA_256: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    HMAC_SHA_384: 'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649',
    HMAC_SHA_512:
      '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737',
  } as Record<string, string>,
};

test('each HMAC key spec takes exactly its own MAC algorithm; every other pair is refused', () => {
  for (const spec of Object.keys(keySpecs)) {
    for (const algorithm of ALGORITHMS) {
      const own = HMAC_SPECS.includes(spec) && spec.slice('HMAC_'.length) === algorithm.slice('HMAC_SHA_'.length);
      const digest = macDigest(spec, algorithm);
      if (own) assert.equal(digest, `sha${spec.slice('HMAC_'.length)}`, `${spec} with ${algorithm}`);
      else assert.equal(digest, undefined, `${spec} with ${algorithm}`);
    }
  }
  assert.equal(macDigest('HMAC_256', 'SYMMETRIC_DEFAULT'), undefined);
  assert.equal(macDigest('NO_SUCH_SPEC', 'HMAC_SHA_256'), undefined);
});

test('the incompatible-algorithm message is AWS\'s [obs]', () => {
  assert.equal(incompatibleMacAlgorithm('HMAC_SHA_256', 'HMAC_224'), 'Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.');
});

test('computeMac matches the RFC 4231 vectors for SHA-224/256/384/512', () => {
  for (const spec of HMAC_SPECS) {
    const algorithm = keySpecs[spec]!.mac![0]!;
    const digest = macDigest(spec, algorithm)!;
    assert.equal(computeMac(digest, RFC4231.key, RFC4231.data).toString('hex'), RFC4231.macs[algorithm], algorithm);
  }
});

test('macMatches accepts the right MAC and refuses a changed bit, a truncated or extended MAC, another key or message', () => {
  for (const spec of HMAC_SPECS) {
    const size = keySpecs[spec]!.hmacBytes!;
    const digest = macDigest(spec, keySpecs[spec]!.mac![0]!)!;
    const key = randomBytes(size);
    const message = randomBytes(100);
    const mac = computeMac(digest, key, message);
    assert.equal(mac.length, size, `${spec}: the MAC is as long as the digest`);
    assert.equal(macMatches(digest, key, message, mac), true);
    for (let i = 0; i < mac.length; i += 7) {
      const flipped = Buffer.from(mac);
      flipped[i]! ^= 0x80;
      assert.equal(macMatches(digest, key, message, flipped), false, `${spec}: bit flipped in byte ${i}`);
    }
    assert.equal(macMatches(digest, key, message, mac.subarray(0, mac.length - 1)), false, 'truncated');
    assert.equal(macMatches(digest, key, message, Buffer.concat([mac, Buffer.from([0])])), false, 'extended');
    assert.equal(macMatches(digest, key, message, Buffer.alloc(0)), false, 'empty');
    assert.equal(macMatches(digest, randomBytes(size), message, mac), false, 'another key');
    assert.equal(macMatches(digest, key, Buffer.concat([message, Buffer.from('x')]), mac), false, 'another message');
  }
});
