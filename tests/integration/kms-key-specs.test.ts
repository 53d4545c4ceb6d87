/**
 * CreateKey and DescribeKey for every KeySpec × KeyUsage pair of the model (KMS-REFERENCE §5): the valid
 * pairs give KeyMetadata with KeySpec, CustomerMasterKeySpec, KeyUsage and exactly one algorithm list
 * (AWS's lists), the invalid ones AWS's ValidationException [obs]. SM2 exists only in the China Regions:
 * here it is UnsupportedOperationException. Keys live in eu-central-1.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KeyMetadata, KeySpec, KeyUsageType } from '@aws-sdk/client-kms';
import { KEY_MATERIAL_ID_RE, createKey, expectClientError, expectKmsError, keyArn, kms, rawCall } from './helpers.js';

const REGION = 'eu-central-1';
const USAGES: KeyUsageType[] = ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'GENERATE_VERIFY_MAC', 'KEY_AGREEMENT'];
const LISTS = ['EncryptionAlgorithms', 'SigningAlgorithms', 'KeyAgreementAlgorithms', 'MacAlgorithms'] as const;
type AlgorithmList = (typeof LISTS)[number];

const RSA_ENCRYPTION = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];
const RSA_SIGNING = ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512', 'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512'];
const rsa = { ENCRYPT_DECRYPT: ['EncryptionAlgorithms', RSA_ENCRYPTION], SIGN_VERIFY: ['SigningAlgorithms', RSA_SIGNING] } as const;
const nist = (signing: string) => ({ SIGN_VERIFY: ['SigningAlgorithms', [signing]], KEY_AGREEMENT: ['KeyAgreementAlgorithms', ['ECDH']] }) as const;
const mac = (algorithm: string) => ({ GENERATE_VERIFY_MAC: ['MacAlgorithms', [algorithm]] }) as const;
const mlDsa = { SIGN_VERIFY: ['SigningAlgorithms', ['ML_DSA_SHAKE_256']] } as const;

/** AWS's table (KMS-REFERENCE §5), written out here independently of shared/core/key-specs.ts. */
const EXPECTED: Record<string, Partial<Record<KeyUsageType, readonly [AlgorithmList, readonly string[]]>>> = {
  SYMMETRIC_DEFAULT: { ENCRYPT_DECRYPT: ['EncryptionAlgorithms', ['SYMMETRIC_DEFAULT']] },
  HMAC_224: mac('HMAC_SHA_224'),
  HMAC_256: mac('HMAC_SHA_256'),
  HMAC_384: mac('HMAC_SHA_384'),
  HMAC_512: mac('HMAC_SHA_512'),
  RSA_2048: rsa,
  RSA_3072: rsa,
  RSA_4096: rsa,
  ECC_NIST_P256: nist('ECDSA_SHA_256'),
  ECC_NIST_P384: nist('ECDSA_SHA_384'),
  ECC_NIST_P521: nist('ECDSA_SHA_512'),
  ECC_SECG_P256K1: { SIGN_VERIFY: ['SigningAlgorithms', ['ECDSA_SHA_256']] },
  ECC_NIST_EDWARDS25519: { SIGN_VERIFY: ['SigningAlgorithms', ['ED25519_SHA_512', 'ED25519_PH_SHA_512']] },
  ML_DSA_44: mlDsa,
  ML_DSA_65: mlDsa,
  ML_DSA_87: mlDsa,
};

function assertMetadata(md: KeyMetadata, spec: string, usage: KeyUsageType, what: string): void {
  const [list, algorithms] = EXPECTED[spec]![usage]!;
  assert.equal(md.KeySpec, spec, `${what}: KeySpec`);
  assert.equal(md.CustomerMasterKeySpec, spec, `${what}: CustomerMasterKeySpec (same value as KeySpec)`);
  assert.equal(md.KeyUsage, usage, `${what}: KeyUsage`);
  assert.equal(md.KeyState, 'Enabled', `${what}: KeyState`);
  assert.equal(md.Enabled, true, `${what}: Enabled`);
  assert.equal(md.Origin, 'AWS_KMS', `${what}: Origin`);
  assert.equal(md.KeyManager, 'CUSTOMER', `${what}: KeyManager`);
  assert.equal(md.MultiRegion, false, `${what}: MultiRegion`);
  assert.equal(md.Arn, keyArn(md.KeyId!, REGION), `${what}: Arn`);
  // Exactly one algorithm list, with AWS's values (order as AWS lists them).
  assert.deepEqual(md[list], algorithms, `${what}: ${list}`);
  for (const other of LISTS.filter((l) => l !== list)) assert.equal(md[other], undefined, `${what}: ${other} must be absent`);
  // CurrentKeyMaterialId only for symmetric encryption keys (§5).
  if (spec === 'SYMMETRIC_DEFAULT') assert.match(md.CurrentKeyMaterialId ?? '', KEY_MATERIAL_ID_RE, `${what}: CurrentKeyMaterialId`);
  else assert.equal(md.CurrentKeyMaterialId, undefined, `${what}: no CurrentKeyMaterialId for a ${spec} key`);
}

describe('CreateKey and DescribeKey for every KeySpec × KeyUsage', () => {
  for (const [spec, valid] of Object.entries(EXPECTED)) {
    test(`${spec}: ${Object.keys(valid).join(', ')} valid; the other usages are ValidationException [obs]`, async () => {
      await Promise.all(
        USAGES.map(async (usage) => {
          const input = { KeySpec: spec as KeySpec, KeyUsage: usage };
          if (!valid[usage]) {
            await expectKmsError(kms(REGION).createKey(input), 'ValidationException', `KeyUsage ${usage} is not compatible with KeySpec ${spec}`);
            return;
          }
          const created = await createKey(input, REGION);
          assertMetadata(created, spec, usage, `CreateKey ${spec}/${usage}`);
          const described = (await kms(REGION).describeKey({ KeyId: created.KeyId })).KeyMetadata!;
          assertMetadata(described, spec, usage, `DescribeKey ${spec}/${usage}`);
          assert.deepEqual(described, created, `DescribeKey ${spec}/${usage} returns what CreateKey returned`);
        }),
      );
    });
  }

  test('no key usage: SYMMETRIC_DEFAULT defaults to ENCRYPT_DECRYPT; every other spec is the [obs] ValidationException', async () => {
    const md = await createKey({ KeySpec: 'SYMMETRIC_DEFAULT' }, REGION);
    assertMetadata(md, 'SYMMETRIC_DEFAULT', 'ENCRYPT_DECRYPT', 'SYMMETRIC_DEFAULT without KeyUsage');
    for (const spec of Object.keys(EXPECTED).filter((s) => s !== 'SYMMETRIC_DEFAULT')) {
      await expectKmsError(
        kms(REGION).createKey({ KeySpec: spec as KeySpec }),
        'ValidationException',
        'You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.',
      );
    }
  });

  test('the deprecated CustomerMasterKeySpec input works like KeySpec', async () => {
    const md = await createKey({ CustomerMasterKeySpec: 'ECC_NIST_P384', KeyUsage: 'KEY_AGREEMENT' }, REGION);
    assertMetadata(md, 'ECC_NIST_P384', 'KEY_AGREEMENT', 'CustomerMasterKeySpec ECC_NIST_P384');
    const hmac = await createKey({ CustomerMasterKeySpec: 'HMAC_384', KeySpec: 'HMAC_384', KeyUsage: 'GENERATE_VERIFY_MAC' }, REGION);
    assertMetadata(hmac, 'HMAC_384', 'GENERATE_VERIFY_MAC', 'CustomerMasterKeySpec = KeySpec');
  });

  test('on the wire, a non-symmetric key\'s KeyMetadata carries one algorithm list and no CurrentKeyMaterialId member', async () => {
    const md = await createKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }, REGION);
    const res = await rawCall('DescribeKey', { KeyId: md.KeyId }, { region: REGION });
    assert.equal(res.status, 200, res.text);
    const wire = res.json!.KeyMetadata as Record<string, unknown>;
    assert.deepEqual(wire.SigningAlgorithms, ['ECDSA_SHA_256']);
    for (const absent of ['EncryptionAlgorithms', 'KeyAgreementAlgorithms', 'MacAlgorithms', 'CurrentKeyMaterialId']) {
      assert.ok(!(absent in wire), `${absent} must not be sent (not even as null): ${res.text}`);
    }
  });

  test('SM2 (China Regions only) is UnsupportedOperationException for each of its usages; with GENERATE_VERIFY_MAC a client error', async () => {
    for (const usage of ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'] as const) {
      await expectKmsError(kms(REGION).createKey({ KeySpec: 'SM2', KeyUsage: usage }), 'UnsupportedOperationException');
    }
    // AWS is silent on which check comes first outside China (the usage or the Region); either is a 400.
    const error = await expectClientError(kms(REGION).createKey({ KeySpec: 'SM2', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    assert.ok(['ValidationException', 'UnsupportedOperationException'].includes(error.name), `got ${error.name}: ${error.message}`);
  });
});
