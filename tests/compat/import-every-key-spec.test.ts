/**
 * Bring your own key, for every importable key spec (issue 15, item 1), as a user does it: the key is
 * made outside (OpenSSL `genpkey` for RSA, ECC and Ed25519, `openssl rand` for HMAC, a random seed for
 * ML-DSA), the AWS CLI creates the EXTERNAL key and fetches the import parameters, OpenSSL wraps the
 * material (RSA-OAEP with `pkeyutl`, or the two-step RSA-AES key wrap with `enc -id-aes256-wrap-pad`
 * for the PKCS#8 private keys that OAEP cannot carry), and the CLI imports it. Then the service and the
 * outside copy must agree both ways: signatures, MACs, RSA encryption and ECDH shared secrets, and
 * GetPublicKey returns the outside key's public half.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  constants,
  createHmac,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { KMSClient, type MacAlgorithmSpec, DecryptCommand, DeriveSharedSecretCommand, EncryptCommand, GenerateMacCommand, GetPublicKeyCommand, SignCommand, VerifyCommand, VerifyMacCommand } from '@aws-sdk/client-kms';
import { ml_dsa44 } from '@noble/post-quantum/ml-dsa.js';
import { AWS_CLI, awsCli } from '../support/aws-cli.js';

const REGION = 'ap-southeast-7'; // no other test uses it
const run = promisify(execFile);
const endpoint = process.env.KMS_ENDPOINT ?? '';
let workDir = '';
let sdk: KMSClient;
const { awsJson, awsError } = awsCli({ endpoint: () => endpoint, home: () => workDir, region: REGION });

const openssl = (...args: string[]) => run('openssl', args, { maxBuffer: 16 * 1024 * 1024 });
const path = (name: string) => join(workDir, `${randomBytes(6).toString('hex')}-${name}`);

/** The outside key: its PKCS#8 DER (or raw bytes for HMAC and the ML-DSA seed), made by OpenSSL where OpenSSL can. */
async function outsideMaterial(spec: string): Promise<Buffer> {
  const out = path('key.der');
  // As AWS's import guide does: genpkey, then `pkcs8 -topk8` for a PKCS#8 DER (genpkey's DER is the
  // algorithm's own format, e.g. SEC1 for EC).
  const genpkey = async (...options: string[]) => {
    const pem = path('key.pem');
    await openssl('genpkey', ...options, '-out', pem);
    await openssl('pkcs8', '-topk8', '-nocrypt', '-in', pem, '-outform', 'DER', '-out', out);
  };
  if (spec.startsWith('RSA_')) await genpkey('-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${spec.slice(4)}`);
  else if (spec === 'ECC_NIST_EDWARDS25519') await genpkey('-algorithm', 'ed25519');
  else if (spec.startsWith('ECC_')) {
    const curve = { ECC_NIST_P256: 'P-256', ECC_NIST_P384: 'P-384', ECC_NIST_P521: 'P-521', ECC_SECG_P256K1: 'secp256k1' }[spec]!;
    await genpkey('-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`);
  } else if (spec.startsWith('HMAC_')) await openssl('rand', '-out', out, String(Number(spec.slice(5)) / 8));
  else if (spec.startsWith('ML_DSA_')) writeFileSync(out, randomBytes(32)); // the seed (OpenSSL 3.0 has no ML-DSA)
  else throw new Error(spec);
  return readFileSync(out);
}

/** OpenSSL wraps `material` for the CLI's import parameters, as AWS's import guide shows. */
async function wrapWithOpenssl(publicKeyDer: Buffer, algorithm: string, material: Buffer): Promise<Buffer> {
  const publicKey = path('wrapping-public.der');
  writeFileSync(publicKey, publicKeyDer);
  const md = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  const oaep = async (input: Buffer) => {
    const [inFile, outFile] = [path('plain.bin'), path('wrapped.bin')];
    writeFileSync(inFile, input);
    await openssl('pkeyutl', '-encrypt', '-pubin', '-keyform', 'DER', '-inkey', publicKey, '-in', inFile, '-out', outFile,
      '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', `rsa_oaep_md:${md}`, '-pkeyopt', `rsa_mgf1_md:${md}`);
    return readFileSync(outFile);
  };
  if (algorithm.startsWith('RSAES_OAEP')) return oaep(material);
  // RSA_AES_KEY_WRAP: RSA-OAEP of an ephemeral AES-256 key, then AES key wrap with padding (RFC 5649) of the material.
  const aesKey = randomBytes(32);
  const [inFile, outFile] = [path('material.bin'), path('kwp.bin')];
  writeFileSync(inFile, material);
  await openssl('enc', '-id-aes256-wrap-pad', '-K', aesKey.toString('hex'), '-iv', 'A65959A6', '-in', inFile, '-out', outFile);
  return Buffer.concat([await oaep(aesKey), readFileSync(outFile)]);
}

/** create-key, get-parameters-for-import and import-key-material through the CLI; returns the key id. */
async function importThroughCli(spec: string, usage: string, material: Buffer, algorithm: string): Promise<string> {
  const created = await awsJson(['create-key', '--origin', 'EXTERNAL', '--key-spec', spec, '--key-usage', usage]);
  const keyId: string = created.KeyMetadata.KeyId;
  assert.equal(created.KeyMetadata.KeyState, 'PendingImport');
  const params = await awsJson(['get-parameters-for-import', '--key-id', keyId, '--wrapping-algorithm', algorithm, '--wrapping-key-spec', 'RSA_4096']);
  const token = path('token.bin');
  writeFileSync(token, Buffer.from(params.ImportToken, 'base64'));
  const wrapped = path('encrypted-material.bin');
  writeFileSync(wrapped, await wrapWithOpenssl(Buffer.from(params.PublicKey, 'base64'), algorithm, material));
  await awsJson([
    'import-key-material', '--key-id', keyId, '--import-token', `fileb://${token}`, '--encrypted-key-material', `fileb://${wrapped}`,
    '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE',
  ]);
  const described = await awsJson(['describe-key', '--key-id', keyId]);
  assert.equal(described.KeyMetadata.KeyState, 'Enabled');
  return keyId;
}

const message = Buffer.from('bring your own key');

async function assertPublicKey(keyId: string, outside: KeyObject | Buffer) {
  const out = await sdk.send(new GetPublicKeyCommand({ KeyId: keyId }));
  const expected = Buffer.isBuffer(outside) ? outside : createPublicKey(outside).export({ format: 'der', type: 'spki' });
  assert.deepEqual(Buffer.from(out.PublicKey!), expected, 'GetPublicKey is the outside key\'s public half');
}

/** Service signs, outside verifies; outside signs, service verifies. */
async function assertSigning(keyId: string, privateKey: KeyObject, algorithm: string, hash: string | null, options: object = {}) {
  const signed = await sdk.send(new SignCommand({ KeyId: keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: algorithm as never }));
  assert.ok(cryptoVerify(hash, message, { key: createPublicKey(privateKey), ...options }, Buffer.from(signed.Signature!)), `${algorithm}: the outside copy verifies the service's signature`);
  const outsideSignature = cryptoSign(hash, message, { key: privateKey, ...options });
  const verified = await sdk.send(new VerifyCommand({ KeyId: keyId, Message: message, MessageType: 'RAW', Signature: outsideSignature, SigningAlgorithm: algorithm as never }));
  assert.equal(verified.SignatureValid, true, `${algorithm}: the service verifies the outside signature`);
}

const ECDSA_HASH: Record<string, [string, string]> = {
  ECC_NIST_P256: ['ECDSA_SHA_256', 'sha256'],
  ECC_NIST_P384: ['ECDSA_SHA_384', 'sha384'],
  ECC_NIST_P521: ['ECDSA_SHA_512', 'sha512'],
  ECC_SECG_P256K1: ['ECDSA_SHA_256', 'sha256'],
};

const skipReason = !existsSync(AWS_CLI) ? `${AWS_CLI} is missing (npm test installs it)` : !endpoint ? 'KMS_ENDPOINT is not set (npm test sets it)' : undefined;

describe('importing key material of every key spec (OpenSSL-made, CLI-imported)', { concurrency: 4, skip: skipReason ?? false }, () => {
  before(() => {
    workDir = mkdtempSync(join(tmpdir(), 'kms-byok-'));
    sdk = new KMSClient({ endpoint, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });
  after(() => {
    sdk?.destroy();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  for (const spec of ['RSA_2048', 'RSA_4096']) {
    it(`${spec} SIGN_VERIFY (RSA_AES_KEY_WRAP_SHA_256): PSS and PKCS#1 signatures agree both ways`, async () => {
      const material = await outsideMaterial(spec);
      const keyId = await importThroughCli(spec, 'SIGN_VERIFY', material, 'RSA_AES_KEY_WRAP_SHA_256');
      const privateKey = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
      await assertPublicKey(keyId, privateKey);
      await assertSigning(keyId, privateKey, 'RSASSA_PSS_SHA_256', 'sha256', { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
      await assertSigning(keyId, privateKey, 'RSASSA_PKCS1_V1_5_SHA_256', 'sha256');
    });
  }

  it('RSA_3072 ENCRYPT_DECRYPT (RSA_AES_KEY_WRAP_SHA_1): OAEP ciphertexts open both ways', async () => {
    const material = await outsideMaterial('RSA_3072');
    const keyId = await importThroughCli('RSA_3072', 'ENCRYPT_DECRYPT', material, 'RSA_AES_KEY_WRAP_SHA_1');
    const privateKey = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
    await assertPublicKey(keyId, privateKey);
    const outside = publicEncrypt({ key: createPublicKey(privateKey), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, message);
    const opened = await sdk.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: outside, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    assert.deepEqual(Buffer.from(opened.Plaintext!), message);
    const sealed = await sdk.send(new EncryptCommand({ KeyId: keyId, Plaintext: message, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
    assert.deepEqual(privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(sealed.CiphertextBlob!)), message);
  });

  for (const spec of Object.keys(ECDSA_HASH)) {
    it(`${spec} SIGN_VERIFY (RSA_AES_KEY_WRAP_SHA_256): ECDSA signatures agree both ways`, async () => {
      const material = await outsideMaterial(spec);
      const keyId = await importThroughCli(spec, 'SIGN_VERIFY', material, 'RSA_AES_KEY_WRAP_SHA_256');
      const privateKey = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
      await assertPublicKey(keyId, privateKey);
      const [algorithm, hash] = ECDSA_HASH[spec]!;
      await assertSigning(keyId, privateKey, algorithm, hash);
    });
  }

  it('ECC_NIST_EDWARDS25519 SIGN_VERIFY (RSAES_OAEP_SHA_256: its PKCS#8 fits): Ed25519 signatures agree both ways', async () => {
    const material = await outsideMaterial('ECC_NIST_EDWARDS25519');
    const keyId = await importThroughCli('ECC_NIST_EDWARDS25519', 'SIGN_VERIFY', material, 'RSAES_OAEP_SHA_256');
    const privateKey = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
    await assertPublicKey(keyId, privateKey);
    await assertSigning(keyId, privateKey, 'ED25519_SHA_512', null);
  });

  it('ECC_NIST_P384 KEY_AGREEMENT (RSA_AES_KEY_WRAP_SHA_256): ECDH gives the outside copy\'s shared secret', async () => {
    const material = await outsideMaterial('ECC_NIST_P384');
    const keyId = await importThroughCli('ECC_NIST_P384', 'KEY_AGREEMENT', material, 'RSA_AES_KEY_WRAP_SHA_256');
    const privateKey = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
    await assertPublicKey(keyId, privateKey);
    const peer = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const derived = await sdk.send(
      new DeriveSharedSecretCommand({ KeyId: keyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peer.publicKey.export({ format: 'der', type: 'spki' }) }),
    );
    assert.deepEqual(Buffer.from(derived.SharedSecret!), diffieHellman({ privateKey: peer.privateKey, publicKey: createPublicKey(privateKey) }));
  });

  it('ML_DSA_44 SIGN_VERIFY (the 32-byte seed, RSAES_OAEP_SHA_1): signatures agree both ways', async () => {
    const seed = await outsideMaterial('ML_DSA_44');
    const keyId = await importThroughCli('ML_DSA_44', 'SIGN_VERIFY', seed, 'RSAES_OAEP_SHA_1');
    const outside = ml_dsa44.keygen(new Uint8Array(seed));
    const publicKey = Buffer.from((await sdk.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey!);
    assert.deepEqual(publicKey.subarray(publicKey.length - outside.publicKey.length), Buffer.from(outside.publicKey), 'the SPKI holds the seed\'s public key');
    const signed = await sdk.send(new SignCommand({ KeyId: keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ML_DSA_SHAKE_256' }));
    assert.ok(ml_dsa44.verify(new Uint8Array(signed.Signature!), new Uint8Array(message), outside.publicKey));
    const outsideSignature = ml_dsa44.sign(new Uint8Array(message), outside.secretKey);
    const verified = await sdk.send(new VerifyCommand({ KeyId: keyId, Message: message, MessageType: 'RAW', Signature: outsideSignature, SigningAlgorithm: 'ML_DSA_SHAKE_256' }));
    assert.equal(verified.SignatureValid, true);
  });

  for (const bits of [224, 256, 384, 512]) {
    it(`HMAC_${bits} (RSAES_OAEP_SHA_256): MACs agree both ways`, async () => {
      const material = await outsideMaterial(`HMAC_${bits}`);
      const keyId = await importThroughCli(`HMAC_${bits}`, 'GENERATE_VERIFY_MAC', material, 'RSAES_OAEP_SHA_256');
      const algorithm = `HMAC_SHA_${bits}` as MacAlgorithmSpec;
      const mac = await sdk.send(new GenerateMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: algorithm }));
      const outside = createHmac(`sha${bits}`, material).update(message).digest();
      assert.deepEqual(Buffer.from(mac.Mac!), outside);
      const verified = await sdk.send(new VerifyMacCommand({ KeyId: keyId, Message: message, MacAlgorithm: algorithm, Mac: outside }));
      assert.equal(verified.MacValid, true);
    });
  }

  it('material that does not fit the key spec is ValidationException; other material later is IncorrectKeyMaterialException', async () => {
    const created = await awsJson(['create-key', '--origin', 'EXTERNAL', '--key-spec', 'ECC_NIST_P256', '--key-usage', 'SIGN_VERIFY']);
    const keyId: string = created.KeyMetadata.KeyId;
    const importOnce = async (material: Buffer) => {
      const params = await awsJson(['get-parameters-for-import', '--key-id', keyId, '--wrapping-algorithm', 'RSA_AES_KEY_WRAP_SHA_256', '--wrapping-key-spec', 'RSA_2048']);
      const [token, wrapped] = [path('token.bin'), path('wrapped.bin')];
      writeFileSync(token, Buffer.from(params.ImportToken, 'base64'));
      writeFileSync(wrapped, await wrapWithOpenssl(Buffer.from(params.PublicKey, 'base64'), 'RSA_AES_KEY_WRAP_SHA_256', material));
      return ['import-key-material', '--key-id', keyId, '--import-token', `fileb://${token}`, '--encrypted-key-material', `fileb://${wrapped}`, '--expiration-model', 'KEY_MATERIAL_DOES_NOT_EXPIRE'];
    };
    // A P-384 key, an Ed25519 key and 32 random bytes are not P-256 private keys.
    for (const wrong of [await outsideMaterial('ECC_NIST_P384'), await outsideMaterial('ECC_NIST_EDWARDS25519'), randomBytes(32)]) {
      await awsError(await importOnce(wrong), 'ValidationException', 'ImportKeyMaterial');
    }
    await awsJson(await importOnce(await outsideMaterial('ECC_NIST_P256')));
    await awsError(await importOnce(await outsideMaterial('ECC_NIST_P256')), 'IncorrectKeyMaterialException', 'ImportKeyMaterial');
  });
});
