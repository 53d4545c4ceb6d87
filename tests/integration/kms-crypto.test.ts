/**
 * Cryptographic operations over HTTP with the AWS SDK: Encrypt, Decrypt, ReEncrypt, GenerateDataKey,
 * GenerateDataKeyWithoutPlaintext, GenerateRandom, including DryRun, key states and encryption context.
 * Expectations follow real AWS KMS (KMS-REFERENCE §1, §3, §4, §6, §14); sources are noted per assertion.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  DRY_RUN_MESSAGE,
  INCORRECT_KEY_MESSAGE,
  KEY_MATERIAL_ID_RE,
  aliasArn,
  assertBytesEqual,
  createAlias,
  createKey,
  expectKmsError,
  keyArn,
  kms,
  unknownKeyId,
  utf8,
  validationMessage,
} from './helpers.js';

const disabled = (arn: string) => `${arn} is disabled.`;
const pendingDeletion = (arn: string) => `${arn} is pending deletion.`;

/** Flips one bit of the byte at `index` (negative counts from the end). */
function tamper(blob: Uint8Array, index: number): Uint8Array {
  const copy = Buffer.from(blob);
  const at = index < 0 ? copy.length + index : index;
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

async function encrypt(keyId: string, plaintext: Uint8Array, context?: Record<string, string>) {
  const out = await kms().encrypt({ KeyId: keyId, Plaintext: plaintext, EncryptionContext: context });
  assert.ok(out.CiphertextBlob && out.CiphertextBlob.length > 0, 'CiphertextBlob returned');
  return out.CiphertextBlob;
}

describe('Encrypt and Decrypt', () => {
  test('round trip: Encrypt returns the key ARN and SYMMETRIC_DEFAULT; Decrypt without KeyId returns plaintext, key ARN and KeyMaterialId', async () => {
    const md = await createKey();
    const plaintext = utf8('hello, KMS');
    const enc = await kms().encrypt({ KeyId: md.KeyId, Plaintext: plaintext });
    assert.equal(enc.KeyId, md.Arn);
    assert.equal(enc.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.ok(enc.CiphertextBlob);
    assert.ok(!Buffer.from(enc.CiphertextBlob).includes(Buffer.from(plaintext)), 'ciphertext does not contain the plaintext');
    assert.ok(enc.CiphertextBlob.length <= 6144, 'ciphertext fits CiphertextType (max 6144)');

    // §6: symmetric ciphertext names its key, so Decrypt needs no KeyId.
    const dec = await kms().decrypt({ CiphertextBlob: enc.CiphertextBlob });
    assertBytesEqual(dec.Plaintext, plaintext, 'Plaintext');
    assert.equal(dec.KeyId, md.Arn);
    assert.equal(dec.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.match(dec.KeyMaterialId ?? '', KEY_MATERIAL_ID_RE);
    // Inferred: with no rotation, the material that decrypts is the key's current material.
    assert.equal(dec.KeyMaterialId, md.CurrentKeyMaterialId);
  });

  test('two encryptions of the same plaintext give different ciphertexts that both decrypt', async () => {
    const md = await createKey();
    const plaintext = utf8('same input');
    const a = await encrypt(md.KeyId!, plaintext);
    const b = await encrypt(md.KeyId!, plaintext);
    assert.ok(!Buffer.from(a).equals(Buffer.from(b)), 'ciphertexts differ (random nonce)');
    assertBytesEqual((await kms().decrypt({ CiphertextBlob: a })).Plaintext, plaintext);
    assertBytesEqual((await kms().decrypt({ CiphertextBlob: b })).Plaintext, plaintext);
  });

  test('binary plaintext of 1 and 4096 bytes round-trips', async () => {
    const md = await createKey();
    for (const size of [1, 4096]) {
      const plaintext = randomBytes(size);
      const blob = await encrypt(md.KeyId!, plaintext);
      assert.ok(blob.length <= 6144);
      assertBytesEqual((await kms().decrypt({ CiphertextBlob: blob })).Plaintext, plaintext, `${size}-byte plaintext`);
    }
  });

  test('Encrypt and Decrypt accept key ID, key ARN, alias name and alias ARN', async () => {
    const md = await createKey();
    const alias = await createAlias(md.KeyId!);
    const plaintext = utf8('any name works');
    for (const ref of [md.KeyId!, md.Arn!, alias, aliasArn(alias)]) {
      const enc = await kms().encrypt({ KeyId: ref, Plaintext: plaintext });
      assert.equal(enc.KeyId, md.Arn, `Encrypt via ${ref} reports the key ARN`);
      const dec = await kms().decrypt({ CiphertextBlob: enc.CiphertextBlob, KeyId: ref });
      assertBytesEqual(dec.Plaintext, plaintext, `Decrypt via ${ref}`);
      assert.equal(dec.KeyId, md.Arn);
    }
  });

  test('Decrypt with the KeyId of another key is IncorrectKeyException [obs]', async () => {
    const owner = await createKey();
    const other = await createKey();
    const otherAlias = await createAlias(other.KeyId!);
    const blob = await encrypt(owner.KeyId!, utf8('secret'));
    for (const ref of [other.KeyId!, other.Arn!, otherAlias]) {
      await expectKmsError(kms().decrypt({ CiphertextBlob: blob, KeyId: ref }), 'IncorrectKeyException', INCORRECT_KEY_MESSAGE);
    }
  });

  test('a modified ciphertext is InvalidCiphertextException', async () => {
    const md = await createKey();
    const blob = await encrypt(md.KeyId!, utf8('do not touch'));
    await expectKmsError(kms().decrypt({ CiphertextBlob: tamper(blob, -1) }), 'InvalidCiphertextException');
    await expectKmsError(kms().decrypt({ CiphertextBlob: tamper(blob, -20), KeyId: md.KeyId }), 'InvalidCiphertextException');
    // Truncated or extended blobs cannot be authenticated either.
    await expectKmsError(kms().decrypt({ CiphertextBlob: blob.subarray(0, blob.length - 1), KeyId: md.KeyId }), 'InvalidCiphertextException');
    await expectKmsError(
      kms().decrypt({ CiphertextBlob: Buffer.concat([Buffer.from(blob), Buffer.from('bad_data')]), KeyId: md.KeyId }),
      'InvalidCiphertextException',
    );
  });

  test('random bytes are InvalidCiphertextException', async () => {
    const md = await createKey();
    await expectKmsError(kms().decrypt({ CiphertextBlob: randomBytes(200), KeyId: md.KeyId }), 'InvalidCiphertextException');
    await expectKmsError(kms().decrypt({ CiphertextBlob: randomBytes(200) }), 'InvalidCiphertextException');
  });

  test('encryption context must match exactly: missing, different, extra or case-changed contexts are InvalidCiphertextException [obs]', async () => {
    const md = await createKey();
    const context = { purpose: 'test', 'tenant-id': 'Ünïcødé 42' };
    const plaintext = utf8('bound to context');
    const blob = await encrypt(md.KeyId!, plaintext, context);

    // Order of pairs does not matter.
    const reordered = { 'tenant-id': 'Ünïcødé 42', purpose: 'test' };
    assertBytesEqual((await kms().decrypt({ CiphertextBlob: blob, EncryptionContext: reordered })).Plaintext, plaintext);

    const wrongContexts: (Record<string, string> | undefined)[] = [
      undefined,
      {},
      { purpose: 'test' },
      { ...context, extra: 'x' },
      { purpose: 'TEST', 'tenant-id': 'Ünïcødé 42' },
      { Purpose: 'test', 'tenant-id': 'Ünïcødé 42' },
    ];
    for (const wrong of wrongContexts) {
      await expectKmsError(
        kms().decrypt({ CiphertextBlob: blob, EncryptionContext: wrong }),
        'InvalidCiphertextException',
        undefined,
      );
    }
  });

  test('ciphertext made without a context cannot be decrypted with one', async () => {
    const md = await createKey();
    const blob = await encrypt(md.KeyId!, utf8('no context'));
    await expectKmsError(kms().decrypt({ CiphertextBlob: blob, EncryptionContext: { a: 'b' } }), 'InvalidCiphertextException');
  });

  test('Plaintext of 4097 bytes is the [obs] ValidationException (value left out: the member is sensitive)', async () => {
    const md = await createKey();
    await expectKmsError(
      kms().encrypt({ KeyId: md.KeyId, Plaintext: randomBytes(4097) }),
      'ValidationException',
      '1 validation error detected: Value at \'plaintext\' failed to satisfy constraint: Member must have length less than or equal to 4096',
    );
  });

  test('an empty Plaintext is a ValidationException (model min 1; message format inferred)', async () => {
    const md = await createKey();
    await expectKmsError(
      kms().encrypt({ KeyId: md.KeyId, Plaintext: new Uint8Array(0) }),
      'ValidationException',
      validationMessage('plaintext', undefined, 'have length greater than or equal to 1'),
    );
  });

  test('an unknown EncryptionAlgorithm is a ValidationException listing the enum (format [obs], order not fixed)', async () => {
    const md = await createKey();
    const error = await expectKmsError(
      kms().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), EncryptionAlgorithm: 'AES_GCM' as never }),
      'ValidationException',
      /^1 validation error detected: Value 'AES_GCM' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: \[.+\]$/,
    );
    for (const value of ['SYMMETRIC_DEFAULT', 'RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256', 'SM2PKE']) {
      assert.ok(error.message.includes(value), `enum list should include ${value}`);
    }
  });

  test('Encrypt with an unknown key is NotFoundException with the key ARN [obs]; a malformed ID is "Invalid keyId"', async () => {
    const id = unknownKeyId();
    await expectKmsError(kms().encrypt({ KeyId: id, Plaintext: utf8('x') }), 'NotFoundException', `Key '${keyArn(id)}' does not exist`);
    // [obs] for DescribeKey/GenerateMac; the same resolver applies to Encrypt (inferred).
    await expectKmsError(kms().encrypt({ KeyId: 'key_id', Plaintext: utf8('x') }), 'NotFoundException', "Invalid keyId 'key_id'");
    await expectKmsError(kms().encrypt({ KeyId: 'alias/it-missing-' + unknownKeyId(), Plaintext: utf8('x') }), 'NotFoundException');
  });
});

describe('key states for cryptographic operations', () => {
  test('a Disabled key refuses Encrypt, Decrypt, GenerateDataKey* with DisabledException "<arn> is disabled." [obs]', async () => {
    const md = await createKey();
    const blob = await encrypt(md.KeyId!, utf8('before disabling'));
    await kms().disableKey({ KeyId: md.KeyId });
    const message = disabled(md.Arn!);
    await expectKmsError(kms().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x') }), 'DisabledException', message);
    await expectKmsError(kms().decrypt({ CiphertextBlob: blob }), 'DisabledException', message);
    await expectKmsError(kms().decrypt({ CiphertextBlob: blob, KeyId: md.KeyId }), 'DisabledException', message);
    await expectKmsError(kms().generateDataKey({ KeyId: md.KeyId, KeySpec: 'AES_256' }), 'DisabledException', message);
    await expectKmsError(
      kms().generateDataKeyWithoutPlaintext({ KeyId: md.KeyId, KeySpec: 'AES_256' }),
      'DisabledException',
      message,
    );

    // Re-enabling restores use, and old ciphertext still decrypts.
    await kms().enableKey({ KeyId: md.KeyId });
    assertBytesEqual((await kms().decrypt({ CiphertextBlob: blob })).Plaintext, utf8('before disabling'));
  });

  test('the disabled message names the key ARN even when the key was named by alias', async () => {
    const md = await createKey();
    const alias = await createAlias(md.KeyId!);
    await kms().disableKey({ KeyId: md.KeyId });
    await expectKmsError(kms().encrypt({ KeyId: alias, Plaintext: utf8('x') }), 'DisabledException', disabled(md.Arn!));
  });

  test('a PendingDeletion key refuses every cryptographic operation with KMSInvalidStateException "<arn> is pending deletion." [obs]', async () => {
    const md = await createKey();
    const other = await createKey();
    const blob = await encrypt(md.KeyId!, utf8('before deletion'));
    const otherBlob = await encrypt(other.KeyId!, utf8('other'));
    await kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    const message = pendingDeletion(md.Arn!);
    await expectKmsError(kms().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x') }), 'KMSInvalidStateException', message);
    await expectKmsError(kms().decrypt({ CiphertextBlob: blob }), 'KMSInvalidStateException', message);
    await expectKmsError(kms().generateDataKey({ KeyId: md.KeyId, NumberOfBytes: 32 }), 'KMSInvalidStateException', message);
    await expectKmsError(
      kms().generateDataKeyWithoutPlaintext({ KeyId: md.KeyId, NumberOfBytes: 32 }),
      'KMSInvalidStateException',
      message,
    );
    await expectKmsError(
      kms().reEncrypt({ CiphertextBlob: blob, DestinationKeyId: other.KeyId }),
      'KMSInvalidStateException',
      message,
    );
    await expectKmsError(
      kms().reEncrypt({ CiphertextBlob: otherBlob, DestinationKeyId: md.KeyId }),
      'KMSInvalidStateException',
      message,
    );

    // After CancelKeyDeletion the key is Disabled, so use gives DisabledException until EnableKey.
    await kms().cancelKeyDeletion({ KeyId: md.KeyId });
    await expectKmsError(kms().decrypt({ CiphertextBlob: blob }), 'DisabledException', disabled(md.Arn!));
    await kms().enableKey({ KeyId: md.KeyId });
    assertBytesEqual((await kms().decrypt({ CiphertextBlob: blob })).Plaintext, utf8('before deletion'));
  });
});

describe('DryRun', () => {
  test('Encrypt, Decrypt, ReEncrypt and GenerateDataKey* with DryRun give DryRunOperationException [obs message]', async () => {
    const md = await createKey();
    const dest = await createKey();
    const blob = await encrypt(md.KeyId!, utf8('dry'));
    await expectKmsError(kms().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), DryRun: true }), 'DryRunOperationException', DRY_RUN_MESSAGE);
    await expectKmsError(kms().decrypt({ CiphertextBlob: blob, DryRun: true }), 'DryRunOperationException', DRY_RUN_MESSAGE);
    await expectKmsError(
      kms().reEncrypt({ CiphertextBlob: blob, DestinationKeyId: dest.KeyId, DryRun: true }),
      'DryRunOperationException',
      DRY_RUN_MESSAGE,
    );
    await expectKmsError(
      kms().generateDataKey({ KeyId: md.KeyId, KeySpec: 'AES_256', DryRun: true }),
      'DryRunOperationException',
      DRY_RUN_MESSAGE,
    );
    await expectKmsError(
      kms().generateDataKeyWithoutPlaintext({ KeyId: md.KeyId, KeySpec: 'AES_256', DryRun: true }),
      'DryRunOperationException',
      DRY_RUN_MESSAGE,
    );
  });

  test('DryRun false behaves like no DryRun', async () => {
    const md = await createKey();
    const enc = await kms().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), DryRun: false });
    assert.ok(enc.CiphertextBlob);
    const dec = await kms().decrypt({ CiphertextBlob: enc.CiphertextBlob, DryRun: false });
    assertBytesEqual(dec.Plaintext, utf8('x'));
  });

  test('DryRun is raised only after the other checks pass: disabled, pending, unknown and invalid input win', async () => {
    const md = await createKey();
    const blob = await encrypt(md.KeyId!, utf8('dry'));
    // §14: validation and key checks run first.
    await expectKmsError(
      kms().encrypt({ KeyId: md.KeyId, Plaintext: randomBytes(4097), DryRun: true }),
      'ValidationException',
    );
    const id = unknownKeyId();
    await expectKmsError(
      kms().encrypt({ KeyId: id, Plaintext: utf8('x'), DryRun: true }),
      'NotFoundException',
      `Key '${keyArn(id)}' does not exist`,
    );
    await kms().disableKey({ KeyId: md.KeyId });
    await expectKmsError(kms().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), DryRun: true }), 'DisabledException', disabled(md.Arn!));
    await expectKmsError(kms().decrypt({ CiphertextBlob: blob, DryRun: true }), 'DisabledException', disabled(md.Arn!));
    await expectKmsError(
      kms().generateDataKey({ KeyId: md.KeyId, KeySpec: 'AES_256', DryRun: true }),
      'DisabledException',
      disabled(md.Arn!),
    );
    await kms().scheduleKeyDeletion({ KeyId: md.KeyId, PendingWindowInDays: 7 });
    await expectKmsError(
      kms().encrypt({ KeyId: md.KeyId, Plaintext: utf8('x'), DryRun: true }),
      'KMSInvalidStateException',
      pendingDeletion(md.Arn!),
    );
  });

  // The model says DryRunModifiers=IGNORE_CIPHERTEXT makes KMS skip ciphertext validation, so without it a
  // dry run does validate the ciphertext: a wrong KeyId or a tampered blob fails as it would for real.
  test('Decrypt DryRun with the KeyId of another key is IncorrectKeyException, not a dry-run success', async () => {
    const owner = await createKey();
    const other = await createKey();
    const blob = await encrypt(owner.KeyId!, utf8('x'));
    await expectKmsError(
      kms().decrypt({ CiphertextBlob: blob, KeyId: other.KeyId, DryRun: true }),
      'IncorrectKeyException',
      INCORRECT_KEY_MESSAGE,
    );
  });

  test('Decrypt and ReEncrypt DryRun with a tampered ciphertext or a wrong context are InvalidCiphertextException', async () => {
    const md = await createKey();
    const blob = await encrypt(md.KeyId!, utf8('x'), { k: 'v' });
    await expectKmsError(kms().decrypt({ CiphertextBlob: tamper(blob, -1), EncryptionContext: { k: 'v' }, DryRun: true }), 'InvalidCiphertextException');
    await expectKmsError(kms().decrypt({ CiphertextBlob: blob, DryRun: true }), 'InvalidCiphertextException');
    await expectKmsError(
      kms().reEncrypt({ CiphertextBlob: blob, DestinationKeyId: md.KeyId, SourceEncryptionContext: { k: 'other' }, DryRun: true }),
      'InvalidCiphertextException',
    );
    // With the right context the dry run "would have succeeded".
    await expectKmsError(
      kms().decrypt({ CiphertextBlob: blob, EncryptionContext: { k: 'v' }, DryRun: true }),
      'DryRunOperationException',
      DRY_RUN_MESSAGE,
    );
  });

  test('ReEncrypt DryRun with a disabled destination key is DisabledException', async () => {
    const source = await createKey();
    const dest = await createKey();
    const blob = await encrypt(source.KeyId!, utf8('x'));
    await kms().disableKey({ KeyId: dest.KeyId });
    await expectKmsError(
      kms().reEncrypt({ CiphertextBlob: blob, DestinationKeyId: dest.KeyId, DryRun: true }),
      'DisabledException',
      disabled(dest.Arn!),
    );
  });
});

describe('ReEncrypt', () => {
  test('moves ciphertext to another key: response names both keys by ARN, algorithms and key material IDs', async () => {
    const source = await createKey();
    const dest = await createKey();
    const plaintext = utf8('re-encrypt me');
    const blob = await encrypt(source.KeyId!, plaintext);
    const out = await kms().reEncrypt({ CiphertextBlob: blob, DestinationKeyId: dest.KeyId });
    assert.ok(out.CiphertextBlob);
    // KeyId is the destination key ARN [model]; SourceKeyId is the source key ARN (AWS docs example; inferred).
    assert.equal(out.KeyId, dest.Arn);
    assert.equal(out.SourceKeyId, source.Arn);
    assert.equal(out.SourceEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.equal(out.DestinationEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    // [model] present for symmetric keys; equal to each key's current material (inferred, no rotation).
    assert.equal(out.SourceKeyMaterialId, source.CurrentKeyMaterialId);
    assert.equal(out.DestinationKeyMaterialId, dest.CurrentKeyMaterialId);

    const dec = await kms().decrypt({ CiphertextBlob: out.CiphertextBlob });
    assertBytesEqual(dec.Plaintext, plaintext);
    assert.equal(dec.KeyId, dest.Arn);
    await expectKmsError(kms().decrypt({ CiphertextBlob: out.CiphertextBlob, KeyId: source.KeyId }), 'IncorrectKeyException', INCORRECT_KEY_MESSAGE);
    // The original ciphertext is untouched.
    assertBytesEqual((await kms().decrypt({ CiphertextBlob: blob })).Plaintext, plaintext);
  });

  test('re-encrypting under the same key gives a new ciphertext of the same plaintext', async () => {
    const md = await createKey();
    const blob = await encrypt(md.KeyId!, utf8('same key'));
    const out = await kms().reEncrypt({ CiphertextBlob: blob, DestinationKeyId: md.KeyId, SourceKeyId: md.KeyId });
    assert.ok(!Buffer.from(out.CiphertextBlob!).equals(Buffer.from(blob)));
    assertBytesEqual((await kms().decrypt({ CiphertextBlob: out.CiphertextBlob })).Plaintext, utf8('same key'));
  });

  test('SourceKeyId and DestinationKeyId accept key ID, key ARN, alias name and alias ARN', async () => {
    const source = await createKey();
    const dest = await createKey();
    const sourceAlias = await createAlias(source.KeyId!);
    const destAlias = await createAlias(dest.KeyId!);
    const blob = await encrypt(source.KeyId!, utf8('names'));
    const pairs: [string, string][] = [
      [source.KeyId!, dest.KeyId!],
      [source.Arn!, dest.Arn!],
      [sourceAlias, destAlias],
      [aliasArn(sourceAlias), aliasArn(destAlias)],
    ];
    for (const [src, dst] of pairs) {
      const out = await kms().reEncrypt({ CiphertextBlob: blob, SourceKeyId: src, DestinationKeyId: dst });
      assert.equal(out.KeyId, dest.Arn, `ReEncrypt ${src} -> ${dst}`);
      assertBytesEqual((await kms().decrypt({ CiphertextBlob: out.CiphertextBlob })).Plaintext, utf8('names'));
    }
  });

  test('a SourceKeyId that did not make the ciphertext is IncorrectKeyException [obs]', async () => {
    const source = await createKey();
    const other = await createKey();
    const blob = await encrypt(source.KeyId!, utf8('x'));
    await expectKmsError(
      kms().reEncrypt({ CiphertextBlob: blob, SourceKeyId: other.KeyId, DestinationKeyId: other.KeyId }),
      'IncorrectKeyException',
      INCORRECT_KEY_MESSAGE,
    );
  });

  test('source context must match; destination context binds the new ciphertext', async () => {
    const source = await createKey();
    const dest = await createKey();
    const plaintext = utf8('contexts');
    const blob = await encrypt(source.KeyId!, plaintext, { stage: 'source' });

    await expectKmsError(kms().reEncrypt({ CiphertextBlob: blob, DestinationKeyId: dest.KeyId }), 'InvalidCiphertextException');
    await expectKmsError(
      kms().reEncrypt({ CiphertextBlob: blob, DestinationKeyId: dest.KeyId, SourceEncryptionContext: { stage: 'other' } }),
      'InvalidCiphertextException',
    );

    const out = await kms().reEncrypt({
      CiphertextBlob: blob,
      DestinationKeyId: dest.KeyId,
      SourceEncryptionContext: { stage: 'source' },
      DestinationEncryptionContext: { stage: 'destination' },
    });
    await expectKmsError(kms().decrypt({ CiphertextBlob: out.CiphertextBlob }), 'InvalidCiphertextException');
    await expectKmsError(
      kms().decrypt({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: { stage: 'source' } }),
      'InvalidCiphertextException',
    );
    const dec = await kms().decrypt({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: { stage: 'destination' } });
    assertBytesEqual(dec.Plaintext, plaintext);
  });

  test('a tampered ciphertext is InvalidCiphertextException', async () => {
    const source = await createKey();
    const dest = await createKey();
    const blob = await encrypt(source.KeyId!, utf8('x'));
    await expectKmsError(kms().reEncrypt({ CiphertextBlob: tamper(blob, -1), DestinationKeyId: dest.KeyId }), 'InvalidCiphertextException');
  });

  test('a disabled source or destination key is DisabledException naming that key', async () => {
    const source = await createKey();
    const dest = await createKey();
    const blob = await encrypt(source.KeyId!, utf8('x'));
    await kms().disableKey({ KeyId: dest.KeyId });
    await expectKmsError(kms().reEncrypt({ CiphertextBlob: blob, DestinationKeyId: dest.KeyId }), 'DisabledException', disabled(dest.Arn!));
    await kms().enableKey({ KeyId: dest.KeyId });
    await kms().disableKey({ KeyId: source.KeyId });
    await expectKmsError(kms().reEncrypt({ CiphertextBlob: blob, DestinationKeyId: dest.KeyId }), 'DisabledException', disabled(source.Arn!));
  });

  test('an unknown destination key is NotFoundException', async () => {
    const source = await createKey();
    const blob = await encrypt(source.KeyId!, utf8('x'));
    const id = unknownKeyId();
    await expectKmsError(
      kms().reEncrypt({ CiphertextBlob: blob, DestinationKeyId: id }),
      'NotFoundException',
      `Key '${keyArn(id)}' does not exist`,
    );
  });
});

describe('GenerateDataKey and GenerateDataKeyWithoutPlaintext', () => {
  test('KeySpec AES_256 and AES_128 give 32- and 16-byte keys whose CiphertextBlob decrypts to the Plaintext', async () => {
    const md = await createKey();
    for (const [spec, size] of [['AES_256', 32], ['AES_128', 16]] as const) {
      const out = await kms().generateDataKey({ KeyId: md.KeyId, KeySpec: spec });
      assert.equal(out.KeyId, md.Arn, 'KeyId is the key ARN [obs]');
      assert.equal(out.Plaintext?.length, size, `${spec} plaintext length`);
      assert.ok(out.CiphertextBlob);
      assert.equal(out.KeyMaterialId, md.CurrentKeyMaterialId, 'KeyMaterialId is the current material (inferred)');
      const dec = await kms().decrypt({ CiphertextBlob: out.CiphertextBlob });
      assertBytesEqual(dec.Plaintext, out.Plaintext!, `${spec} data key`);
      assert.equal(dec.KeyId, md.Arn);
    }
  });

  test('NumberOfBytes 1, 64 and 1024 give keys of exactly that length', async () => {
    const md = await createKey();
    for (const size of [1, 64, 1024]) {
      const out = await kms().generateDataKey({ KeyId: md.KeyId, NumberOfBytes: size });
      assert.equal(out.Plaintext?.length, size);
      assertBytesEqual((await kms().decrypt({ CiphertextBlob: out.CiphertextBlob })).Plaintext, out.Plaintext!);
    }
  });

  test('data keys are random', async () => {
    const md = await createKey();
    const a = await kms().generateDataKey({ KeyId: md.KeyId, KeySpec: 'AES_256' });
    const b = await kms().generateDataKey({ KeyId: md.KeyId, KeySpec: 'AES_256' });
    assert.ok(!Buffer.from(a.Plaintext!).equals(Buffer.from(b.Plaintext!)));
  });

  test('the encryption context binds the data key ciphertext [obs]', async () => {
    const md = await createKey();
    const context = { 'context-key': 'context-value' };
    const out = await kms().generateDataKey({ KeyId: md.KeyId, KeySpec: 'AES_256', EncryptionContext: context });
    await expectKmsError(kms().decrypt({ CiphertextBlob: out.CiphertextBlob, KeyId: md.KeyId }), 'InvalidCiphertextException');
    const dec = await kms().decrypt({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: context });
    assertBytesEqual(dec.Plaintext, out.Plaintext!);

    const noPt = await kms().generateDataKeyWithoutPlaintext({ KeyId: md.KeyId, KeySpec: 'AES_256', EncryptionContext: context });
    await expectKmsError(kms().decrypt({ CiphertextBlob: noPt.CiphertextBlob, KeyId: md.KeyId }), 'InvalidCiphertextException');
    assert.equal((await kms().decrypt({ CiphertextBlob: noPt.CiphertextBlob, EncryptionContext: context })).Plaintext?.length, 32);
  });

  test('GenerateDataKey accepts key ID, key ARN, alias name and alias ARN', async () => {
    const md = await createKey();
    const alias = await createAlias(md.KeyId!);
    for (const ref of [md.KeyId!, md.Arn!, alias, aliasArn(alias)]) {
      const out = await kms().generateDataKey({ KeyId: ref, NumberOfBytes: 32 });
      assert.equal(out.KeyId, md.Arn, `GenerateDataKey via ${ref}`);
      const noPt = await kms().generateDataKeyWithoutPlaintext({ KeyId: ref, NumberOfBytes: 32 });
      assert.equal(noPt.KeyId, md.Arn, `GenerateDataKeyWithoutPlaintext via ${ref}`);
    }
  });

  test('GenerateDataKeyWithoutPlaintext returns no Plaintext; its CiphertextBlob decrypts to a key of the asked size', async () => {
    const md = await createKey();
    const out = await kms().generateDataKeyWithoutPlaintext({ KeyId: md.KeyId, KeySpec: 'AES_128' });
    assert.equal(out.KeyId, md.Arn);
    assert.equal((out as unknown as Record<string, unknown>).Plaintext, undefined);
    assert.equal(out.KeyMaterialId, md.CurrentKeyMaterialId, 'KeyMaterialId is the current material (inferred)');
    const dec = await kms().decrypt({ CiphertextBlob: out.CiphertextBlob });
    assert.equal(dec.Plaintext?.length, 16);
    const sized = await kms().generateDataKeyWithoutPlaintext({ KeyId: md.KeyId, NumberOfBytes: 100 });
    assert.equal((await kms().decrypt({ CiphertextBlob: sized.CiphertextBlob })).Plaintext?.length, 100);
  });

  test('exactly one of KeySpec and NumberOfBytes: both or neither is a ValidationException (message unverified)', async () => {
    const md = await createKey();
    await expectKmsError(kms().generateDataKey({ KeyId: md.KeyId }), 'ValidationException');
    await expectKmsError(kms().generateDataKey({ KeyId: md.KeyId, KeySpec: 'AES_256', NumberOfBytes: 32 }), 'ValidationException');
    await expectKmsError(kms().generateDataKeyWithoutPlaintext({ KeyId: md.KeyId }), 'ValidationException');
    await expectKmsError(
      kms().generateDataKeyWithoutPlaintext({ KeyId: md.KeyId, KeySpec: 'AES_128', NumberOfBytes: 16 }),
      'ValidationException',
    );
  });

  test('NumberOfBytes 0 or 1025 is the standard range ValidationException (same member shape as GenerateRandom [obs])', async () => {
    const md = await createKey();
    for (const call of [
      (n: number) => kms().generateDataKey({ KeyId: md.KeyId, NumberOfBytes: n }),
      (n: number) => kms().generateDataKeyWithoutPlaintext({ KeyId: md.KeyId, NumberOfBytes: n }),
    ]) {
      await expectKmsError(call(0), 'ValidationException', validationMessage('numberOfBytes', 0, 'have value greater than or equal to 1'));
      await expectKmsError(call(1025), 'ValidationException', validationMessage('numberOfBytes', 1025, 'have value less than or equal to 1024'));
    }
  });

  test('an unknown KeySpec is a ValidationException listing AES_256 and AES_128 (format [obs])', async () => {
    const md = await createKey();
    await expectKmsError(
      kms().generateDataKey({ KeyId: md.KeyId, KeySpec: 'AES_512' as never }),
      'ValidationException',
      /^1 validation error detected: Value 'AES_512' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set: \[(AES_256, AES_128|AES_128, AES_256)\]$/,
    );
  });

  test('an unknown key is NotFoundException', async () => {
    const id = unknownKeyId();
    const message = `Key '${keyArn(id)}' does not exist`;
    await expectKmsError(kms().generateDataKey({ KeyId: id, KeySpec: 'AES_256' }), 'NotFoundException', message);
    await expectKmsError(kms().generateDataKeyWithoutPlaintext({ KeyId: id, KeySpec: 'AES_256' }), 'NotFoundException', message);
  });
});

describe('GenerateRandom', () => {
  test('returns exactly NumberOfBytes random bytes for 1..1024 [obs lengths]', async () => {
    for (const size of [1, 12, 44, 91, 1024]) {
      const out = await kms().generateRandom({ NumberOfBytes: size });
      assert.equal(out.Plaintext?.length, size);
    }
    const a = await kms().generateRandom({ NumberOfBytes: 32 });
    const b = await kms().generateRandom({ NumberOfBytes: 32 });
    assert.ok(!Buffer.from(a.Plaintext!).equals(Buffer.from(b.Plaintext!)), 'two draws differ');
  });

  test('without NumberOfBytes it is ValidationException "NumberOfBytes is required." [obs]', async () => {
    await expectKmsError(kms().generateRandom({}), 'ValidationException', 'NumberOfBytes is required.');
  });

  test('0 and 1025 give the [obs] range messages', async () => {
    await expectKmsError(
      kms().generateRandom({ NumberOfBytes: 0 }),
      'ValidationException',
      "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    await expectKmsError(
      kms().generateRandom({ NumberOfBytes: 1025 }),
      'ValidationException',
      "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024",
    );
  });
});
