/**
 * Import tokens and key-material unwrapping (shared/core/import-token.ts): a token opens only for the
 * key it was issued for, before its ParametersValidTo, and not after any change; every wrapping algorithm
 * and key spec unwraps what a user wraps with the public key; a bad wrap is InvalidCiphertextException.
 * Also the pure imported-material transitions. No network, no database.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  checkWrappingParameters,
  generateWrappingKeyPair,
  IMPORT_PARAMETERS_TTL_MS,
  issueImportToken,
  openImportToken,
  unwrapKeyMaterial,
  type WrappingAlgorithm,
  type WrappingKeySpec,
} from '../../shared/core/import-token.js';
import { keyWithoutMaterial } from '../../shared/core/imported-material.js';
import { MaterialVault } from '../../shared/core/material-vault.js';
import type { KeyRecord } from '../../shared/core/types.js';
import { dueDates, isDue } from '../../shared/core/due-dates.js';
import { wrapKeyMaterial } from '../support/wrap-key-material.js';

const ARN = 'arn:aws:kms:ap-south-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const OTHER_ARN = 'arn:aws:kms:ap-south-1:111122223333:key/0000abcd-12ab-34cd-56ef-1234567890ab';
const NOW = Date.parse('2026-03-01T00:00:00Z');

function vault(rootKey = randomBytes(32)): MaterialVault {
  return new MaterialVault({ rootKeyId: 'test', rootKey: async () => rootKey }, { bytes: (n) => randomBytes(n) });
}

async function errorName(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return (error as Error).name;
  }
  return 'no error';
}

const pairs = new Map<WrappingKeySpec, Awaited<ReturnType<typeof generateWrappingKeyPair>>>();
async function pair(spec: WrappingKeySpec) {
  let p = pairs.get(spec);
  if (!p) pairs.set(spec, (p = await generateWrappingKeyPair(spec)));
  return p;
}

async function token(v: MaterialVault, spec: WrappingKeySpec = 'RSA_2048', algorithm: WrappingAlgorithm = 'RSAES_OAEP_SHA_256') {
  const p = await pair(spec);
  const t = await issueImportToken(v, { keyArn: ARN, parametersValidTo: NOW + IMPORT_PARAMETERS_TTL_MS, wrappingAlgorithm: algorithm, wrappingKeySpec: spec }, p.privateKey);
  return { token: t, publicKey: p.publicKey };
}

describe('import token', () => {
  test('opens for its key until ParametersValidTo, with the parameters it was issued with', async () => {
    const v = vault();
    const { token: t } = await token(v, 'RSA_2048', 'RSA_AES_KEY_WRAP_SHA_1');
    const opened = await openImportToken(v, t, ARN, NOW + IMPORT_PARAMETERS_TTL_MS);
    assert.equal(opened.keyArn, ARN);
    assert.equal(opened.wrappingAlgorithm, 'RSA_AES_KEY_WRAP_SHA_1');
    assert.equal(opened.wrappingKeySpec, 'RSA_2048');
    assert.equal(opened.parametersValidTo, NOW + IMPORT_PARAMETERS_TTL_MS);
  });

  test('expired one millisecond after ParametersValidTo', async () => {
    const v = vault();
    const { token: t } = await token(v);
    assert.equal(await errorName(openImportToken(v, t, ARN, NOW + IMPORT_PARAMETERS_TTL_MS + 1)), 'ExpiredImportTokenException');
  });

  test("another key's token, a changed byte, a truncated token, another root key: InvalidImportTokenException", async () => {
    const v = vault();
    const { token: t } = await token(v);
    assert.equal(await errorName(openImportToken(v, t, OTHER_ARN, NOW)), 'InvalidImportTokenException');
    for (const at of [0, 1, 20, t.length - 1]) {
      const changed = Buffer.from(t);
      changed[at]! ^= 0x01;
      assert.equal(await errorName(openImportToken(v, changed, ARN, NOW)), 'InvalidImportTokenException', `byte ${at}`);
    }
    assert.equal(await errorName(openImportToken(v, t.subarray(0, 20), ARN, NOW)), 'InvalidImportTokenException');
    assert.equal(await errorName(openImportToken(v, Buffer.alloc(0), ARN, NOW)), 'InvalidImportTokenException');
    assert.equal(await errorName(openImportToken(vault(), t, ARN, NOW)), 'InvalidImportTokenException');
  });

  test('an expired token of another key is invalid, not expired', async () => {
    const v = vault();
    const { token: t } = await token(v);
    assert.equal(await errorName(openImportToken(v, t, OTHER_ARN, NOW + 2 * IMPORT_PARAMETERS_TTL_MS)), 'InvalidImportTokenException');
  });

  test('fits CiphertextType (at most 6144 bytes) with an RSA_4096 key, and does not carry the private key in the clear', async () => {
    const v = vault();
    const { token: t } = await token(v, 'RSA_4096');
    assert.ok(t.length <= 6144, `token is ${t.length} bytes`);
    const der = (await pair('RSA_4096')).privateKey;
    assert.equal(t.includes(der.subarray(40, 72)), false);
    assert.equal(t.includes(Buffer.from(ARN)), false);
  });
});

describe('unwrapping key material', () => {
  const algorithms: WrappingAlgorithm[] = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'RSA_AES_KEY_WRAP_SHA_1', 'RSA_AES_KEY_WRAP_SHA_256'];
  for (const spec of ['RSA_2048', 'RSA_3072', 'RSA_4096'] as WrappingKeySpec[]) {
    for (const algorithm of algorithms) {
      test(`${algorithm} with ${spec}`, async () => {
        const p = await pair(spec);
        const material = randomBytes(32);
        const encrypted = wrapKeyMaterial(p.publicKey, algorithm, material);
        const out = unwrapKeyMaterial({ wrappingAlgorithm: algorithm, wrappingKeySpec: spec, privateKey: p.privateKey }, encrypted);
        assert.ok(out.equals(material));
      });
    }
  }

  test('wrong hash, wrong key, changed bytes, truncated: InvalidCiphertextException', async () => {
    const p = await pair('RSA_2048');
    const other = await pair('RSA_3072');
    const material = randomBytes(32);
    const params = (algorithm: WrappingAlgorithm) => ({ wrappingAlgorithm: algorithm, wrappingKeySpec: 'RSA_2048' as const, privateKey: p.privateKey });
    const oaep1 = wrapKeyMaterial(p.publicKey, 'RSAES_OAEP_SHA_1', material);
    assert.equal(await errorName(() => unwrapKeyMaterial(params('RSAES_OAEP_SHA_256'), oaep1)), 'InvalidCiphertextException');
    const foreign = wrapKeyMaterial(other.publicKey, 'RSAES_OAEP_SHA_256', material);
    assert.equal(await errorName(() => unwrapKeyMaterial(params('RSAES_OAEP_SHA_256'), foreign)), 'InvalidCiphertextException');
    const kw = wrapKeyMaterial(p.publicKey, 'RSA_AES_KEY_WRAP_SHA_256', material);
    const changed = Buffer.from(kw);
    changed[changed.length - 3]! ^= 0x40;
    assert.equal(await errorName(() => unwrapKeyMaterial(params('RSA_AES_KEY_WRAP_SHA_256'), changed)), 'InvalidCiphertextException');
    assert.equal(await errorName(() => unwrapKeyMaterial(params('RSA_AES_KEY_WRAP_SHA_256'), kw.subarray(0, 256))), 'InvalidCiphertextException');
    // The direct OAEP algorithm on an RSA_AES payload (too long for one RSA block).
    assert.equal(await errorName(() => unwrapKeyMaterial(params('RSAES_OAEP_SHA_256'), kw)), 'InvalidCiphertextException');
  });

  test('retired and China-only wrapping parameters are refused', async () => {
    assert.equal(await errorName(() => checkWrappingParameters('RSAES_PKCS1_V1_5', 'RSA_2048')), 'ValidationException');
    assert.equal(await errorName(() => checkWrappingParameters('SM2PKE', 'SM2')), 'UnsupportedOperationException');
    assert.equal(await errorName(() => checkWrappingParameters('RSAES_OAEP_SHA_1', 'SM2')), 'UnsupportedOperationException');
    assert.equal(await errorName(() => checkWrappingParameters('RSA_AES_KEY_WRAP_SHA_256', 'RSA_4096')), 'no error');
  });
});

describe('imported material transitions', () => {
  const key: KeyRecord = {
    keyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
    account: '111122223333',
    region: 'ap-south-1',
    arn: ARN,
    creationDate: NOW,
    description: '',
    keyUsage: 'ENCRYPT_DECRYPT',
    keySpec: 'SYMMETRIC_DEFAULT',
    origin: 'EXTERNAL',
    keyManager: 'CUSTOMER',
    keyState: 'Enabled',
    multiRegion: false,
    currentKeyMaterialId: 'a'.repeat(64),
    importedKeyMaterialId: 'a'.repeat(64),
    expirationModel: 'KEY_MATERIAL_EXPIRES',
    validTo: NOW + 1000,
    tags: {},
    policy: '{}',
    revision: 3,
  };

  test('expired at ValidTo, not before; never without material or with KEY_MATERIAL_DOES_NOT_EXPIRE', () => {
    assert.equal(isDue(key, 'expiry', NOW + 999), false);
    assert.equal(isDue(key, 'expiry', NOW + 1000), true);
    assert.equal(isDue(keyWithoutMaterial(key), 'expiry', NOW + 5000), false);
    const { validTo: _v, ...forever } = key;
    assert.equal(isDue({ ...forever, expirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE' }, 'expiry', NOW + 5000), false);
  });

  test('losing material: PendingImport (PendingDeletion stays), no expiry fields, the material id remembered, off the expiry index', () => {
    const after = keyWithoutMaterial(key);
    assert.equal(after.keyState, 'PendingImport');
    assert.equal(after.revision, 4);
    assert.equal(after.currentKeyMaterialId, undefined);
    assert.equal(after.validTo, undefined);
    assert.equal(after.expirationModel, undefined);
    assert.equal(after.importedKeyMaterialId, key.importedKeyMaterialId);
    assert.equal(dueDates(key).expiry, key.validTo);
    assert.equal(dueDates(after).expiry, undefined);
    assert.equal(keyWithoutMaterial({ ...key, keyState: 'PendingDeletion', deletionDate: NOW + 7 }).keyState, 'PendingDeletion');
    assert.equal(keyWithoutMaterial({ ...key, keyState: 'Disabled' }).keyState, 'PendingImport');
  });
});
