/**
 * Every operation used with the wrong kind of key gives AWS's error (KMS-REFERENCE §3, §5, §13):
 * cryptographic operations → InvalidKeyUsageException `<key ARN> key usage is <USAGE> which is not valid
 * for <Operation>.` [obs], except that Decrypt and ReEncrypt naming a key that did not make a symmetric
 * ciphertext answer IncorrectKeyException whatever its usage [obs]; rotation operations on asymmetric and HMAC keys → UnsupportedOperationException;
 * CreateGrant with operations the key type does not support → ValidationException. Keys live in
 * eu-central-1; one key of each kind is shared by the tests of this file (none changes it).
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { GetKeyLastUsageCommand, type GrantOperation, type KeyMetadata } from '@aws-sdk/client-kms';
import { createKey, expectKmsError, INCORRECT_KEY_MESSAGE, kms, utf8 } from './helpers.js';
import { PRINCIPALS } from './principals.js';

const REGION = 'eu-central-1';
const client = () => kms(REGION);

const KINDS = {
  symmetric: { KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' },
  rsaEncrypt: { KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' },
  rsaSign: { KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' },
  eccSign: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
  eccAgreement: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' },
  hmac: { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' },
} as const;
type Kind = keyof typeof KINDS;
const ALL_KINDS = Object.keys(KINDS) as Kind[];

const keys = {} as Record<Kind, KeyMetadata>;
before(async () => {
  await Promise.all(ALL_KINDS.map(async (kind) => { keys[kind] = await createKey({ ...KINDS[kind] }, REGION); }));
});

const usageMessage = (kind: Kind, operation: string) => `${keys[kind].Arn} key usage is ${KINDS[kind].KeyUsage} which is not valid for ${operation}.`;
const peerPublicKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' });

let ciphertext: Uint8Array | undefined;
/** A valid symmetric ciphertext (of the symmetric key), made once. */
async function someCiphertext(): Promise<Uint8Array> {
  ciphertext ??= (await client().encrypt({ KeyId: keys.symmetric.KeyId, Plaintext: utf8('x') })).CiphertextBlob!;
  return ciphertext;
}

/** One request per operation, naming the key of `kind`; inputs are valid apart from the key. */
const calls: Record<string, (kind: Kind) => Promise<unknown>> = {
  Encrypt: (k) => client().encrypt({ KeyId: keys[k].KeyId, Plaintext: utf8('x') }),
  // The usage of the named key is checked before the blob (a blob that does not parse: it names no key).
  Decrypt: (k) => client().decrypt({ KeyId: keys[k].KeyId, CiphertextBlob: randomBytes(64) }),
  GenerateDataKey: (k) => client().generateDataKey({ KeyId: keys[k].KeyId, KeySpec: 'AES_256' }),
  GenerateDataKeyWithoutPlaintext: (k) => client().generateDataKeyWithoutPlaintext({ KeyId: keys[k].KeyId, KeySpec: 'AES_256' }),
  GenerateDataKeyPair: (k) => client().generateDataKeyPair({ KeyId: keys[k].KeyId, KeyPairSpec: 'ECC_NIST_P256' }),
  GenerateDataKeyPairWithoutPlaintext: (k) => client().generateDataKeyPairWithoutPlaintext({ KeyId: keys[k].KeyId, KeyPairSpec: 'ECC_NIST_P256' }),
  GenerateMac: (k) => client().generateMac({ KeyId: keys[k].KeyId, Message: utf8('x'), MacAlgorithm: 'HMAC_SHA_256' }),
  VerifyMac: (k) => client().verifyMac({ KeyId: keys[k].KeyId, Message: utf8('x'), Mac: randomBytes(32), MacAlgorithm: 'HMAC_SHA_256' }),
  Sign: (k) => client().sign({ KeyId: keys[k].KeyId, Message: utf8('x'), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }),
  Verify: (k) =>
    client().verify({ KeyId: keys[k].KeyId, Message: utf8('x'), MessageType: 'RAW', Signature: randomBytes(64), SigningAlgorithm: 'ECDSA_SHA_256' }),
  DeriveSharedSecret: (k) => client().deriveSharedSecret({ KeyId: keys[k].KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey: peerPublicKey }),
};

/** The key usage each operation needs; every key of another usage is refused with the [obs] message. */
const REQUIRED_USAGE: Record<string, string> = {
  Encrypt: 'ENCRYPT_DECRYPT',
  Decrypt: 'ENCRYPT_DECRYPT',
  GenerateDataKey: 'ENCRYPT_DECRYPT',
  GenerateDataKeyWithoutPlaintext: 'ENCRYPT_DECRYPT',
  GenerateDataKeyPair: 'ENCRYPT_DECRYPT',
  GenerateDataKeyPairWithoutPlaintext: 'ENCRYPT_DECRYPT',
  GenerateMac: 'GENERATE_VERIFY_MAC',
  VerifyMac: 'GENERATE_VERIFY_MAC',
  Sign: 'SIGN_VERIFY',
  Verify: 'SIGN_VERIFY',
  DeriveSharedSecret: 'KEY_AGREEMENT',
};

/** Data keys (and data key pairs) are sealed under a symmetric key only: an RSA encryption key is refused too (§5). */
const SYMMETRIC_ONLY = new Set(['GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext']);

describe('cryptographic operations with a key of the wrong usage: InvalidKeyUsageException [obs]', () => {
  for (const [operation, call] of Object.entries(calls)) {
    const wrong = ALL_KINDS.filter((kind) => KINDS[kind].KeyUsage !== REQUIRED_USAGE[operation]);
    test(`${operation} with ${wrong.join(', ')} keys`, async () => {
      for (const kind of wrong) {
        await expectKmsError(call(kind), 'InvalidKeyUsageException', usageMessage(kind, operation)).catch((error: Error) =>
          assert.fail(`${operation} with the ${kind} key: ${error.message}`),
        );
      }
      if (SYMMETRIC_ONLY.has(operation)) {
        // Wording unverified (§5): the usage fits, the spec does not.
        await expectKmsError(call('rsaEncrypt'), 'InvalidKeyUsageException');
      }
    });
  }
});

describe('Decrypt and ReEncrypt naming a key that did not make the symmetric ciphertext', () => {
  test('IncorrectKeyException whatever the named key\'s usage [obs: an HMAC key named]', async () => {
    const blob = await someCiphertext();
    for (const kind of ALL_KINDS.filter((k) => k !== 'symmetric')) {
      await expectKmsError(client().decrypt({ KeyId: keys[kind].KeyId, CiphertextBlob: blob }), 'IncorrectKeyException', INCORRECT_KEY_MESSAGE).catch(
        (error: Error) => assert.fail(`Decrypt naming the ${kind} key: ${error.message}`),
      );
      await expectKmsError(
        client().reEncrypt({ SourceKeyId: keys[kind].KeyId, CiphertextBlob: blob, DestinationKeyId: keys.symmetric.KeyId }),
        'IncorrectKeyException',
        INCORRECT_KEY_MESSAGE,
      ).catch((error: Error) => assert.fail(`ReEncrypt naming the ${kind} key: ${error.message}`));
    }
  });
});

describe('GetPublicKey of a key without a public key: UnsupportedOperationException (§1; message unverified)', () => {
  test('symmetric and HMAC keys', async () => {
    for (const kind of ['symmetric', 'hmac'] as const) {
      await expectKmsError(client().getPublicKey({ KeyId: keys[kind].KeyId }), 'UnsupportedOperationException').catch((error: Error) =>
        assert.fail(`GetPublicKey with the ${kind} key: ${error.message}`),
      );
    }
  });
});

describe('rotation operations on keys that cannot rotate: UnsupportedOperationException (§3, §8), except GetKeyRotationStatus', () => {
  const notRotatable = ALL_KINDS.filter((kind) => kind !== 'symmetric');
  const rotationCalls: Record<string, (kind: Kind) => Promise<unknown>> = {
    EnableKeyRotation: (k) => client().enableKeyRotation({ KeyId: keys[k].KeyId }),
    DisableKeyRotation: (k) => client().disableKeyRotation({ KeyId: keys[k].KeyId }),
    RotateKeyOnDemand: (k) => client().rotateKeyOnDemand({ KeyId: keys[k].KeyId }),
    ListKeyRotations: (k) => client().listKeyRotations({ KeyId: keys[k].KeyId }),
  };
  for (const [operation, call] of Object.entries(rotationCalls)) {
    test(`${operation} with ${notRotatable.join(', ')} keys`, async () => {
      for (const kind of notRotatable) {
        await expectKmsError(call(kind), 'UnsupportedOperationException').catch((error: Error) =>
          assert.fail(`${operation} with the ${kind} key: ${error.message}`),
        );
      }
    });
  }

  test('GetKeyRotationStatus answers KeyRotationEnabled false for them (the API reference: "always false"; Terraform reads it for every key)', async () => {
    for (const kind of notRotatable) {
      const status = await client().getKeyRotationStatus({ KeyId: keys[kind].KeyId });
      assert.equal(status.KeyRotationEnabled, false, kind);
      assert.equal(status.RotationPeriodInDays, undefined, kind);
      assert.equal(status.NextRotationDate, undefined, kind);
    }
  });

  test('a symmetric key (the control) reports and lists its rotation', async () => {
    const status = await client().getKeyRotationStatus({ KeyId: keys.symmetric.KeyId });
    assert.equal(status.KeyRotationEnabled, false);
    const listed = await client().listKeyRotations({ KeyId: keys.symmetric.KeyId });
    assert.deepEqual(listed.Rotations ?? [], []);
  });
});

describe('CreateGrant with operations the key does not support: ValidationException (§13)', () => {
  const ANY_KEY: GrantOperation[] = ['CreateGrant', 'RetireGrant', 'DescribeKey'];
  // The grant operations of each key type (AWS developer guide, "Grant operations"), written out here.
  const SUPPORTED: Record<Kind, GrantOperation[]> = {
    symmetric: ['Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext', ...ANY_KEY],
    rsaEncrypt: ['Decrypt', 'Encrypt', 'ReEncryptFrom', 'ReEncryptTo', 'GetPublicKey', ...ANY_KEY],
    rsaSign: ['Sign', 'Verify', 'GetPublicKey', ...ANY_KEY],
    eccSign: ['Sign', 'Verify', 'GetPublicKey', ...ANY_KEY],
    eccAgreement: ['DeriveSharedSecret', 'GetPublicKey', ...ANY_KEY],
    hmac: ['GenerateMac', 'VerifyMac', ...ANY_KEY],
  };
  const ALL_OPERATIONS: GrantOperation[] = [
    'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'Sign', 'Verify',
    'GetPublicKey', 'CreateGrant', 'RetireGrant', 'DescribeKey', 'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
    'GenerateMac', 'VerifyMac', 'DeriveSharedSecret',
  ];

  for (const kind of ALL_KINDS) {
    test(`${kind} key: a grant of all its operations is accepted; each other operation, alone or with a supported one, is refused`, async () => {
      const grantee = PRINCIPALS.alice.arn;
      const grant = await client().createGrant({ KeyId: keys[kind].KeyId, GranteePrincipal: grantee, Operations: SUPPORTED[kind] });
      assert.match(grant.GrantId ?? '', /^[0-9a-f]{64}$/);
      const supportedOne = SUPPORTED[kind][0]!;
      for (const operation of ALL_OPERATIONS.filter((op) => !SUPPORTED[kind].includes(op))) {
        for (const operations of [[operation], [supportedOne, operation]]) {
          await expectKmsError(
            client().createGrant({ KeyId: keys[kind].KeyId, GranteePrincipal: grantee, Operations: operations }),
            'ValidationException',
          ).catch((error: Error) => assert.fail(`${kind} key, grant of ${operations.join('+')}: ${error.message}`));
        }
      }
      await client().revokeGrant({ KeyId: keys[kind].KeyId, GrantId: grant.GrantId });
    });
  }
});

describe('read-only operations answer for every kind of key, as AWS does (issue 14, item 3)', () => {
  test('DescribeKey, GetKeyRotationStatus, GetKeyPolicy, ListKeyPolicies, ListGrants, ListResourceTags, ListAliases, GetKeyLastUsage', async () => {
    const external = await createKey({ Origin: 'EXTERNAL' }, REGION); // PendingImport: no material yet
    const managed = (await client().describeKey({ KeyId: 'alias/aws/ssm' })).KeyMetadata!;
    const subjects: Record<string, KeyMetadata> = { ...keys, external, awsManaged: managed };
    for (const [kind, key] of Object.entries(subjects)) {
      const KeyId = key.KeyId!;
      const reads: Record<string, () => Promise<unknown>> = {
        DescribeKey: () => client().describeKey({ KeyId }),
        GetKeyRotationStatus: () => client().getKeyRotationStatus({ KeyId }),
        GetKeyPolicy: () => client().getKeyPolicy({ KeyId, PolicyName: 'default' }),
        ListKeyPolicies: () => client().listKeyPolicies({ KeyId }),
        ListGrants: () => client().listGrants({ KeyId }),
        ListResourceTags: () => client().listResourceTags({ KeyId }),
        ListAliases: () => client().listAliases({ KeyId }),
        GetKeyLastUsage: () => client().send(new GetKeyLastUsageCommand({ KeyId })),
      };
      for (const [operation, read] of Object.entries(reads)) {
        await read().catch((error: Error) => assert.fail(`${operation} of the ${kind} key: ${error.name}: ${error.message}`));
      }
      const rotation = await client().getKeyRotationStatus({ KeyId });
      // Only symmetric keys with their own material rotate automatically; AWS managed keys always do.
      assert.equal(rotation.KeyRotationEnabled, kind === 'awsManaged', `${kind}: KeyRotationEnabled`);
    }
  });
});
