/**
 * core/noble: the @noble libraries are loaded on demand (a split chunk in the Lambda bundle), and code
 * that uses them before they are loaded fails loudly instead of answering wrongly: an unloaded verifier
 * must not pass for an invalid signature. (Its own process: nothing here has loaded them before.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { asymmetricKey, newPrivateMaterial } from '../../shared/core/key-pairs.js';
import { loadNoble, noble } from '../../shared/core/noble.js';
import { signMessage, verifySignature } from '../../shared/core/signing.js';

const random = { bytes: (n: number) => randomBytes(n) };

test('signing before loadNoble() is an error, never a signature or a verdict; after it, it works', async () => {
  const material = await newPrivateMaterial('ECC_NIST_P256', random as never);
  const key = asymmetricKey('ECC_NIST_P256', 'noble-unit', material); // node:crypto parses ECC keys
  const request = { keySpec: 'ECC_NIST_P256', key, algorithm: 'ECDSA_SHA_256', messageType: 'DIGEST' as const, message: randomBytes(32) };
  assert.throws(() => noble(), /not loaded/);
  assert.throws(() => signMessage(request, random.bytes), /not loaded/);
  assert.throws(() => verifySignature(request, randomBytes(70)), /not loaded/);
  assert.throws(() => asymmetricKey('ML_DSA_44', 'noble-unit-ml', randomBytes(32)), /not loaded/);

  const [first, second] = await Promise.all([loadNoble(), loadNoble()]);
  assert.equal(first, second);
  assert.equal(noble(), first);
  const signature = signMessage(request, random.bytes);
  assert.equal(verifySignature(request, signature), true);
  assert.equal(verifySignature(request, randomBytes(70)), false);
  assert.ok(asymmetricKey('ML_DSA_44', 'noble-unit-ml', randomBytes(32)).publicKeyDer.length > 1300);
});
