/**
 * GenerateMac and VerifyMac over HTTP with the AWS SDK, for every HMAC key spec: round trips, the
 * algorithm and key-usage checks, a wrong MAC, message limits, key states, DryRun, the kms:MacAlgorithm
 * condition and grants. Expectations follow real AWS KMS (KMS-REFERENCE §1, §3, §4, §5, §13, §14).
 * Keys live in eu-central-1.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type { MacAlgorithmSpec } from '@aws-sdk/client-kms';
import {
  DRY_RUN_MESSAGE,
  aliasArn,
  assertBytesEqual,
  createAlias,
  createKey,
  expectKmsError,
  expectRawError,
  kms,
  rawCall,
  unknownKeyId,
  keyArn,
  utf8,
  validationMessage,
} from './helpers.js';
import { clientFor, PRINCIPALS } from './principals.js';

const REGION = 'eu-central-1';
const client = () => kms(REGION);
const SPECS = [
  { spec: 'HMAC_224', algorithm: 'HMAC_SHA_224', bytes: 28 },
  { spec: 'HMAC_256', algorithm: 'HMAC_SHA_256', bytes: 32 },
  { spec: 'HMAC_384', algorithm: 'HMAC_SHA_384', bytes: 48 },
  { spec: 'HMAC_512', algorithm: 'HMAC_SHA_512', bytes: 64 },
] as const;
const ALGORITHMS = SPECS.map((s) => s.algorithm);

async function hmacKey(spec = 'HMAC_256', policy?: string) {
  return createKey({ KeySpec: spec as 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC', Policy: policy }, REGION);
}

async function generate(keyId: string, message: Uint8Array, algorithm: MacAlgorithmSpec = 'HMAC_SHA_256') {
  const out = await client().generateMac({ KeyId: keyId, Message: message, MacAlgorithm: algorithm });
  assert.ok(out.Mac, 'Mac returned');
  return out;
}

describe('GenerateMac and VerifyMac round trip', () => {
  for (const { spec, algorithm, bytes } of SPECS) {
    test(`${spec}: GenerateMac gives a ${bytes}-byte MAC, the algorithm and the key ARN; VerifyMac accepts it`, async () => {
      const md = await hmacKey(spec);
      const message = utf8(`message for ${spec}`);
      const out = await generate(md.KeyId!, message, algorithm);
      assert.equal(out.Mac!.length, bytes, 'a raw HMAC is as long as its digest');
      assert.equal(out.MacAlgorithm, algorithm);
      assert.equal(out.KeyId, md.Arn);
      // HMAC is deterministic: the same key, message and algorithm give the same MAC.
      assertBytesEqual((await generate(md.KeyId!, message, algorithm)).Mac, out.Mac!, 'second MAC');
      const other = await generate(md.KeyId!, utf8(`another message for ${spec}`), algorithm);
      assert.ok(!Buffer.from(other.Mac!).equals(Buffer.from(out.Mac!)), 'another message gives another MAC');

      const verified = await client().verifyMac({ KeyId: md.KeyId, Message: message, Mac: out.Mac, MacAlgorithm: algorithm });
      assert.equal(verified.MacValid, true);
      assert.equal(verified.KeyId, md.Arn);
      assert.equal(verified.MacAlgorithm, algorithm);
    });
  }

  test('two keys of the same spec give different MACs (each key has its own random material)', async () => {
    const [a, b] = await Promise.all([hmacKey(), hmacKey()]);
    const message = utf8('same message');
    const macA = (await generate(a.KeyId!, message)).Mac!;
    const macB = (await generate(b.KeyId!, message)).Mac!;
    assert.ok(!Buffer.from(macA).equals(Buffer.from(macB)));
    // Verified with the other key, the MAC is wrong.
    await expectKmsError(client().verifyMac({ KeyId: b.KeyId, Message: message, Mac: macA, MacAlgorithm: 'HMAC_SHA_256' }), 'KMSInvalidMacException');
  });

  test('key ID, key ARN, alias name and alias ARN all name the key', async () => {
    const md = await hmacKey();
    const alias = await createAlias(md.KeyId!, REGION, 'mac');
    const message = utf8('by any name');
    const reference = (await generate(md.KeyId!, message)).Mac!;
    for (const ref of [md.Arn!, alias, aliasArn(alias, REGION)]) {
      const out = await generate(ref, message);
      assertBytesEqual(out.Mac, reference, `MAC via ${ref}`);
      assert.equal(out.KeyId, md.Arn);
      const verified = await client().verifyMac({ KeyId: ref, Message: message, Mac: reference, MacAlgorithm: 'HMAC_SHA_256' });
      assert.equal(verified.KeyId, md.Arn);
    }
  });

  test('messages of 1 and 4096 bytes (binary) are accepted', async () => {
    const md = await hmacKey('HMAC_512');
    for (const size of [1, 4096]) {
      const message = randomBytes(size);
      const { Mac } = await generate(md.KeyId!, message, 'HMAC_SHA_512');
      assert.equal((await client().verifyMac({ KeyId: md.KeyId, Message: message, Mac, MacAlgorithm: 'HMAC_SHA_512' })).MacValid, true);
    }
  });
});

describe('VerifyMac with a wrong MAC', () => {
  test('a changed, truncated or extended MAC, or another message, is KMSInvalidMacException [obs]', async () => {
    const md = await hmacKey();
    const message = utf8('verify me');
    const mac = Buffer.from((await generate(md.KeyId!, message)).Mac!);
    const flipped = Buffer.from(mac);
    flipped[5] = flipped[5]! ^ 0x01;
    const cases: Array<[string, Uint8Array, Uint8Array]> = [
      ['flipped bit', message, flipped],
      ['truncated', message, mac.subarray(0, mac.length - 1)],
      ['extended', message, Buffer.concat([mac, Buffer.from([0])])],
      ['another message', utf8('verify me!'), mac],
    ];
    for (const [what, msg, candidate] of cases) {
      await expectKmsError(
        client().verifyMac({ KeyId: md.KeyId, Message: msg, Mac: candidate, MacAlgorithm: 'HMAC_SHA_256' }),
        'KMSInvalidMacException',
        undefined,
      ).catch((e: Error) => assert.fail(`${what}: ${e.message}`));
    }
  });

  test('the KMSInvalidMacException body has no message member [obs]', async () => {
    const md = await hmacKey();
    const res = await rawCall(
      'VerifyMac',
      { KeyId: md.KeyId, Message: Buffer.from('x').toString('base64'), Mac: randomBytes(32).toString('base64'), MacAlgorithm: 'HMAC_SHA_256' },
      { region: REGION },
    );
    const body = expectRawError(res, 'KMSInvalidMacException');
    assert.deepEqual(Object.keys(body), ['__type'], `body: ${res.text}`);
  });
});

describe('algorithm, usage and input checks', () => {
  test('a MAC algorithm that is not the key spec\'s own is InvalidKeyUsageException [obs], for both operations', async () => {
    const keys = await Promise.all(SPECS.map((s) => hmacKey(s.spec)));
    for (const [i, { spec, algorithm: own }] of SPECS.entries()) {
      const md = keys[i]!;
      for (const algorithm of ALGORITHMS.filter((a) => a !== own)) {
        const message = `Algorithm ${algorithm} is incompatible with key spec ${spec}.`;
        await expectKmsError(client().generateMac({ KeyId: md.KeyId, Message: utf8('m'), MacAlgorithm: algorithm }), 'InvalidKeyUsageException', message);
        await expectKmsError(
          client().verifyMac({ KeyId: md.KeyId, Message: utf8('m'), Mac: randomBytes(32), MacAlgorithm: algorithm }),
          'InvalidKeyUsageException',
          message,
        );
      }
    }
  });

  test('a symmetric encryption key is InvalidKeyUsageException "<arn> key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac." [obs]', async () => {
    const md = await createKey({}, REGION);
    await expectKmsError(
      client().generateMac({ KeyId: md.KeyId, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256' }),
      'InvalidKeyUsageException',
      `${md.Arn} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac.`,
    );
    await expectKmsError(
      client().verifyMac({ KeyId: md.KeyId, Message: utf8('m'), Mac: randomBytes(32), MacAlgorithm: 'HMAC_SHA_256' }),
      'InvalidKeyUsageException',
      `${md.Arn} key usage is ENCRYPT_DECRYPT which is not valid for VerifyMac.`,
    );
  });

  test('a message of 4097 bytes or of none is a ValidationException (sensitive member: value left out)', async () => {
    const md = await hmacKey();
    await expectKmsError(
      client().generateMac({ KeyId: md.KeyId, Message: randomBytes(4097), MacAlgorithm: 'HMAC_SHA_256' }),
      'ValidationException',
      validationMessage('message', undefined, 'have length less than or equal to 4096'),
    );
    await expectKmsError(
      client().verifyMac({ KeyId: md.KeyId, Message: randomBytes(4097), Mac: randomBytes(32), MacAlgorithm: 'HMAC_SHA_256' }),
      'ValidationException',
      validationMessage('message', undefined, 'have length less than or equal to 4096'),
    );
    await expectKmsError(
      client().generateMac({ KeyId: md.KeyId, Message: new Uint8Array(0), MacAlgorithm: 'HMAC_SHA_256' }),
      'ValidationException',
      validationMessage('message', undefined, 'have length greater than or equal to 1'),
    );
  });

  test('an unknown MacAlgorithm is a ValidationException listing the enum; a missing one "must not be null"', async () => {
    const md = await hmacKey();
    const res = await rawCall('GenerateMac', { KeyId: md.KeyId, Message: 'eA==', MacAlgorithm: 'HMAC_SHA_1' }, { region: REGION });
    expectRawError(res, 'ValidationException', /^1 validation error detected: Value 'HMAC_SHA_1' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: \[.+\]$/);
    const missing = await rawCall('GenerateMac', { KeyId: md.KeyId, Message: 'eA==' }, { region: REGION });
    expectRawError(missing, 'ValidationException', validationMessage('macAlgorithm', null, 'not be null'));
  });

  test('an unknown key is NotFoundException with the key ARN', async () => {
    const id = unknownKeyId();
    await expectKmsError(
      client().generateMac({ KeyId: id, Message: utf8('m'), MacAlgorithm: 'HMAC_SHA_256' }),
      'NotFoundException',
      `Key '${keyArn(id, REGION)}' does not exist`,
    );
  });
});

describe('key states and DryRun', () => {
  test('a Disabled key is DisabledException; a key pending deletion is KMSInvalidStateException; re-enabled it works again', async () => {
    const md = await hmacKey();
    const message = utf8('state');
    const { Mac } = await generate(md.KeyId!, message);
    await client().disableKey({ KeyId: md.KeyId });
    await expectKmsError(client().generateMac({ KeyId: md.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }), 'DisabledException', `${md.Arn} is disabled.`);
    await expectKmsError(client().verifyMac({ KeyId: md.KeyId, Message: message, Mac, MacAlgorithm: 'HMAC_SHA_256' }), 'DisabledException', `${md.Arn} is disabled.`);
    await client().enableKey({ KeyId: md.KeyId });
    assert.equal((await client().verifyMac({ KeyId: md.KeyId, Message: message, Mac, MacAlgorithm: 'HMAC_SHA_256' })).MacValid, true);
    await client().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    await expectKmsError(
      client().generateMac({ KeyId: md.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256' }),
      'KMSInvalidStateException',
      `${md.Arn} is pending deletion.`,
    );
    await expectKmsError(
      client().verifyMac({ KeyId: md.KeyId, Message: message, Mac, MacAlgorithm: 'HMAC_SHA_256' }),
      'KMSInvalidStateException',
      `${md.Arn} is pending deletion.`,
    );
  });

  test('DryRun runs the checks then raises DryRunOperationException (§14)', async () => {
    const md = await hmacKey();
    const message = utf8('dry');
    await expectKmsError(client().generateMac({ KeyId: md.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256', DryRun: true }), 'DryRunOperationException', DRY_RUN_MESSAGE);
    const { Mac } = await generate(md.KeyId!, message);
    await expectKmsError(
      client().verifyMac({ KeyId: md.KeyId, Message: message, Mac, MacAlgorithm: 'HMAC_SHA_256', DryRun: true }),
      'DryRunOperationException',
      DRY_RUN_MESSAGE,
    );
    // Our choice (AWS is silent): a DryRun VerifyMac does not look at the MAC, it answers whether the caller could verify.
    await expectKmsError(
      client().verifyMac({ KeyId: md.KeyId, Message: message, Mac: randomBytes(32), MacAlgorithm: 'HMAC_SHA_256', DryRun: true }),
      'DryRunOperationException',
      DRY_RUN_MESSAGE,
    );
    // The checks come first: a wrong algorithm is still refused.
    await expectKmsError(
      client().generateMac({ KeyId: md.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_512', DryRun: true }),
      'InvalidKeyUsageException',
      'Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.',
    );
    await client().disableKey({ KeyId: md.KeyId });
    await expectKmsError(client().generateMac({ KeyId: md.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_256', DryRun: true }), 'DisabledException');
  });
});

describe('authorization', () => {
  const root = PRINCIPALS.root.arn;
  const allowRoot = { Sid: 'root', Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' };

  test('kms:MacAlgorithm is the request\'s algorithm in policy conditions, checked before the algorithm itself', async () => {
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        allowRoot,
        // Only HMAC_SHA_256 may be used for GenerateMac.
        { Sid: 'only256', Effect: 'Deny', Principal: { AWS: root }, Action: 'kms:GenerateMac', Resource: '*', Condition: { StringNotEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } } },
        // VerifyMac is denied for HMAC_SHA_256.
        { Sid: 'no256', Effect: 'Deny', Principal: { AWS: root }, Action: 'kms:VerifyMac', Resource: '*', Condition: { StringEquals: { 'kms:MacAlgorithm': 'HMAC_SHA_256' } } },
      ],
    });
    const md = await hmacKey('HMAC_256', policy);
    const message = utf8('conditional');
    const { Mac } = await generate(md.KeyId!, message, 'HMAC_SHA_256');
    // Authorization comes before the algorithm check, so the denied algorithm gives AccessDenied.
    await expectKmsError(client().generateMac({ KeyId: md.KeyId, Message: message, MacAlgorithm: 'HMAC_SHA_512' }), 'AccessDeniedException');
    await expectKmsError(client().verifyMac({ KeyId: md.KeyId, Message: message, Mac, MacAlgorithm: 'HMAC_SHA_256' }), 'AccessDeniedException');
    // Not denied for another algorithm: it reaches the algorithm check.
    await expectKmsError(
      client().verifyMac({ KeyId: md.KeyId, Message: message, Mac, MacAlgorithm: 'HMAC_SHA_384' }),
      'InvalidKeyUsageException',
      'Algorithm HMAC_SHA_384 is incompatible with key spec HMAC_256.',
    );
  });

  test('a grant of GenerateMac lets its grantee generate (with the grant token) but not verify', async () => {
    // The account root in a policy stands for every principal of the account: admit the root user only.
    const rootOnly = { ...allowRoot, Condition: { StringEquals: { 'aws:PrincipalArn': root } } };
    const md = await hmacKey('HMAC_384', JSON.stringify({ Version: '2012-10-17', Statement: [rootOnly] }));
    const message = utf8('granted');
    const alice = clientFor('alice', REGION);
    await expectKmsError(alice.generateMac({ KeyId: md.Arn, Message: message, MacAlgorithm: 'HMAC_SHA_384' }), 'AccessDeniedException');
    const grant = await client().createGrant({ KeyId: md.KeyId, GranteePrincipal: PRINCIPALS.alice.arn, Operations: ['GenerateMac'] });
    const out = await alice.generateMac({ KeyId: md.Arn, Message: message, MacAlgorithm: 'HMAC_SHA_384', GrantTokens: [grant.GrantToken!] });
    assert.equal(out.KeyId, md.Arn);
    assert.equal((await client().verifyMac({ KeyId: md.KeyId, Message: message, Mac: out.Mac, MacAlgorithm: 'HMAC_SHA_384' })).MacValid, true);
    await expectKmsError(
      alice.verifyMac({ KeyId: md.Arn, Message: message, Mac: out.Mac, MacAlgorithm: 'HMAC_SHA_384', GrantTokens: [grant.GrantToken!] }),
      'AccessDeniedException',
    );
  });
});
