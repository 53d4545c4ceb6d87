/**
 * core/rsa-oaep: AWS's plaintext limits, the request checks, and interoperability of the OAEP encoding
 * with an independent implementation (the openssl CLI with explicit OAEP and MGF1 digests).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  checkPlaintextLength,
  checkRsaRequest,
  maxPlaintextBytes,
  rsaOaepDecrypt,
  rsaOaepEncrypt,
  type RsaOaepAlgorithm,
} from '../../shared/core/rsa-oaep.js';
import { KmsError } from '../../shared/errors.js';

const ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-44cd-96ef-1234567890ab';

function throwsKms(fn: () => unknown, type: string, message?: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof KmsError, `expected a KmsError, got ${String(e)}`);
    assert.equal(e.type, type);
    if (message !== undefined) assert.equal(e.message, message);
    return true;
  });
}

describe('plaintext limits (KMS-REFERENCE §4, AWS docs)', () => {
  const limits: [string, number, number][] = [
    ['RSA_2048', 214, 190],
    ['RSA_3072', 342, 318],
    ['RSA_4096', 470, 446],
  ];
  for (const [spec, sha1, sha256] of limits) {
    test(`${spec}: ${sha1} bytes with SHA-1, ${sha256} with SHA-256`, () => {
      assert.equal(maxPlaintextBytes(spec, 'RSAES_OAEP_SHA_1'), sha1);
      assert.equal(maxPlaintextBytes(spec, 'RSAES_OAEP_SHA_256'), sha256);
      checkPlaintextLength(spec, 'RSAES_OAEP_SHA_256', Buffer.alloc(sha256));
      throwsKms(
        () => checkPlaintextLength(spec, 'RSAES_OAEP_SHA_256', Buffer.alloc(sha256 + 1)),
        'ValidationException',
        `Algorithm RSAES_OAEP_SHA_256 and key spec ${spec} cannot encrypt data larger than ${sha256} bytes.`,
      );
      throwsKms(
        () => checkPlaintextLength(spec, 'RSAES_OAEP_SHA_1', Buffer.alloc(sha1 + 1)),
        'ValidationException',
        `Algorithm RSAES_OAEP_SHA_1 and key spec ${spec} cannot encrypt data larger than ${sha1} bytes.`,
      );
    });
  }
});

describe('request checks', () => {
  const key = { arn: ARN, keySpec: 'RSA_2048' };
  test('the algorithm is required and must be an RSAES_OAEP_* one', () => {
    assert.equal(checkRsaRequest(key, 'RSAES_OAEP_SHA_1', undefined), 'RSAES_OAEP_SHA_1');
    assert.equal(checkRsaRequest(key, 'RSAES_OAEP_SHA_256', {}), 'RSAES_OAEP_SHA_256');
    throwsKms(() => checkRsaRequest(key, undefined, undefined), 'ValidationException');
    throwsKms(
      () => checkRsaRequest(key, 'SYMMETRIC_DEFAULT', undefined),
      'InvalidKeyUsageException',
      'Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.',
    );
    throwsKms(() => checkRsaRequest(key, 'SM2PKE', undefined), 'InvalidKeyUsageException');
  });
  test('an encryption context is refused, naming the member', () => {
    throwsKms(() => checkRsaRequest(key, 'RSAES_OAEP_SHA_1', { a: 'b' }), 'ValidationException');
    assert.throws(
      () => checkRsaRequest(key, 'RSAES_OAEP_SHA_1', { a: 'b' }, { context: 'DestinationEncryptionContext' }),
      /DestinationEncryptionContext/,
    );
  });
});

describe('OAEP interoperability with the openssl CLI', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = mkdtempSync(join(tmpdir(), 'rsa-oaep-'));
  const privatePem = join(dir, 'private.pem');
  const publicPem = join(dir, 'public.pem');
  writeFileSync(privatePem, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicPem, publicKey.export({ type: 'spki', format: 'pem' }));
  const digest = (algorithm: RsaOaepAlgorithm) => (algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256');
  const opensslOptions = (algorithm: RsaOaepAlgorithm) => [
    '-pkeyopt', 'rsa_padding_mode:oaep',
    '-pkeyopt', `rsa_oaep_md:${digest(algorithm)}`,
    '-pkeyopt', `rsa_mgf1_md:${digest(algorithm)}`,
  ];

  for (const algorithm of ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const) {
    test(`${algorithm}: openssl encrypts, we decrypt; we encrypt, openssl decrypts`, () => {
      const message = randomBytes(maxPlaintextBytes('RSA_2048', algorithm));
      const input = join(dir, `in-${algorithm}`);
      writeFileSync(input, message);
      const fromOpenssl = execFileSync('openssl', ['pkeyutl', '-encrypt', '-pubin', '-inkey', publicPem, '-in', input, ...opensslOptions(algorithm)]);
      assert.equal(fromOpenssl.length, 256);
      assert.ok(rsaOaepDecrypt(privateKey, algorithm, fromOpenssl)?.equals(message));

      const ours = rsaOaepEncrypt(publicKey, algorithm, message);
      assert.equal(ours.length, 256, 'ciphertext is modulus-sized');
      const cipherFile = join(dir, `ct-${algorithm}`);
      writeFileSync(cipherFile, ours);
      const back = execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', privatePem, '-in', cipherFile, ...opensslOptions(algorithm)]);
      assert.ok(back.equals(message));
    });
  }

  test('the wrong hash, the wrong key or garbage do not decrypt (undefined, no throw)', () => {
    const ct = rsaOaepEncrypt(publicKey, 'RSAES_OAEP_SHA_256', Buffer.from('x'));
    assert.equal(rsaOaepDecrypt(privateKey, 'RSAES_OAEP_SHA_1', ct), undefined);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.equal(rsaOaepDecrypt(other.privateKey, 'RSAES_OAEP_SHA_256', ct), undefined);
    assert.equal(rsaOaepDecrypt(privateKey, 'RSAES_OAEP_SHA_256', randomBytes(256)), undefined);
    assert.equal(rsaOaepDecrypt(privateKey, 'RSAES_OAEP_SHA_256', Buffer.from('short')), undefined);
  });

  test.after(() => rmSync(dir, { recursive: true, force: true }));
});
