import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { parseCiphertext } from '../../shared/core/ciphertext.js';
import { canonicalEncryptionContext } from '../../shared/core/encryption-context.js';
import { openSymmetric, sealSymmetric } from '../../shared/core/symmetric.js';
import { KmsError } from '../../shared/errors.js';

const keyId = '1234abcd-12ab-44cd-96ef-1234567890ab';
const keyMaterialId = 'ab'.repeat(32);
const material = randomBytes(32);

const seal = (plaintext: Buffer, context?: Record<string, string>) =>
  sealSymmetric({ keyId, keyMaterialId, material, plaintext, context, randomBytes });

function rejects(fn: () => unknown) {
  assert.throws(fn, (e: unknown) => e instanceof KmsError && e.type === 'InvalidCiphertextException' && e.message === '');
}

test('round trip; the header names the key and the exact material', () => {
  const blob = seal(Buffer.from('secret'), { b: '2', a: '1' });
  const parsed = parseCiphertext(blob);
  assert.equal(parsed.keyId, keyId);
  assert.equal(parsed.keyMaterialId, keyMaterialId);
  assert.equal(openSymmetric(parsed, material, { a: '1', b: '2' }).toString(), 'secret');
  assert.ok(!blob.includes(Buffer.from('secret')), 'plaintext must not appear in the blob');
});

test('the encryption context must match exactly (order free, case sensitive)', () => {
  const parsed = parseCiphertext(seal(Buffer.from('x'), { Purpose: 'test' }));
  rejects(() => openSymmetric(parsed, material, undefined));
  rejects(() => openSymmetric(parsed, material, { purpose: 'test' }));
  rejects(() => openSymmetric(parsed, material, { Purpose: 'test', extra: '' }));
  assert.equal(openSymmetric(parsed, material, { Purpose: 'test' }).toString(), 'x');
});

test('every byte of the blob is authenticated', () => {
  const blob = seal(Buffer.from('tamper me'));
  for (let i = 0; i < blob.length; i++) {
    const copy = Buffer.from(blob);
    copy[i] = copy[i]! ^ 0x01;
    rejects(() => {
      const parsed = parseCiphertext(copy);
      // A flipped header byte may name another key or material: then only the wrong material is there.
      openSymmetric(parsed, material);
      if (parsed.keyId !== keyId || parsed.keyMaterialId !== keyMaterialId) throw new Error('unreachable');
    });
  }
});

test('another material cannot open the blob; truncated or foreign blobs are invalid', () => {
  const blob = seal(Buffer.from('x'));
  rejects(() => openSymmetric(parseCiphertext(blob), randomBytes(32)));
  rejects(() => parseCiphertext(blob.subarray(0, 40)));
  rejects(() => parseCiphertext(Buffer.from([0x01])));
  rejects(() => parseCiphertext(Buffer.from('AQICAHh', 'base64')));
});

test('canonical encryption context: order-free and unambiguous', () => {
  assert.deepEqual(canonicalEncryptionContext({ a: '1', b: '2' }), canonicalEncryptionContext({ b: '2', a: '1' }));
  assert.notDeepEqual(canonicalEncryptionContext({ a: 'bc' }), canonicalEncryptionContext({ ab: 'c' }));
  assert.equal(canonicalEncryptionContext({}).length, 0);
  assert.deepEqual(canonicalEncryptionContext(undefined), canonicalEncryptionContext({}));
});

test('the per-message key is HKDF-SHA256 (checked against node:crypto hkdfSync)', async () => {
  const { hkdfSync } = await import('node:crypto');
  const { messageKey } = await import('../../shared/core/symmetric.js');
  for (let i = 0; i < 20; i++) {
    const m = randomBytes(32);
    const nonce = randomBytes(16);
    assert.deepEqual(messageKey(m, nonce), Buffer.from(hkdfSync('sha256', m, nonce, Buffer.from('kms-ciphertext-v1'), 32)));
  }
});
