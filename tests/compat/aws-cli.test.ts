/**
 * Client compatibility: the AWS CLI v2 (Debian's `awscli`, /usr/bin/aws) against the service, unchanged
 * except for --endpoint-url. Checks what the CLI prints (JSON output, blobs as base64, the
 * `An error occurred (<type>) when calling the <Op> operation: <message>` line and exit code 254).
 *
 * Endpoint: $KMS_ENDPOINT (set by `npm test`); when unset, the file starts its own local service.
 * Each test uses its own fresh keys (made with the SDK unless create-key is under test) and randomly
 * named aliases.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { AWS_CLI, awsCli } from '../support/aws-cli.js';
import { createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { wrapKeyMaterial } from '../support/wrap-key-material.js';
import { eventually, MRK_PRIMARY, MRK_REPLICA, syncReplication } from '../integration/regions.js';

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';

let endpoint = process.env.KMS_ENDPOINT ?? '';
let stopOwnService: (() => Promise<void>) | undefined;
let workDir = '';
let sdk: KMSClient;

/** Starts a private service when the harness did not give us one. */
async function ensureEndpoint(dir: string): Promise<void> {
  if (endpoint) return;
  const { startLocalService } = await import('../../infra/local/service.js');
  const service = await startLocalService({ port: 0, dynamodbPort: 0, dataDir: join(dir, 'kms-data') });
  endpoint = service.endpoint;
  stopOwnService = () => service.stop();
}

const { aws, awsJson, awsError } = awsCli({ endpoint: () => endpoint, home: () => workDir, region: REGION });

function file(name: string, content: Buffer): string {
  const path = join(workDir, `${randomUUID()}-${name}`);
  writeFileSync(path, content);
  return path;
}

/**
 * A fresh key for a test, made with the SDK: every CLI call costs about a second of CPU (Python start-up),
 * so set-up that is not the subject of a test skips the CLI. create-key itself is tested with the CLI.
 */
async function createKey(description = `cli test ${randomUUID()}`): Promise<{ keyId: string; arn: string }> {
  const out = await sdk.send(new CreateKeyCommand({ Description: description }));
  assert.ok(out.KeyMetadata?.KeyId && out.KeyMetadata.Arn, 'CreateKey returned no KeyId/Arn');
  return { keyId: out.KeyMetadata.KeyId, arn: out.KeyMetadata.Arn };
}

const aliasName = (): string => `alias/cli-test-${randomBytes(6).toString('hex')}`;

describe('AWS CLI v2 compatibility', { concurrency: 4 }, () => {
  before(async () => {
    assert.ok(existsSync(AWS_CLI), `${AWS_CLI} is missing: apt-get install -y awscli (npm test installs it)`);
    workDir = mkdtempSync(join(tmpdir(), 'kms-cli-'));
    await ensureEndpoint(workDir);
    sdk = new KMSClient({ endpoint, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  });
  after(async () => {
    sdk?.destroy();
    await stopOwnService?.();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('create-key with --description and --tags returns full KeyMetadata; tags are listed', async () => {
    const description = `cli create ${randomUUID()}`;
    const out = await awsJson([
      'create-key', '--description', description, '--tags', 'TagKey=team,TagValue=payments', 'TagKey=env,TagValue=test',
    ]);
    const md = out.KeyMetadata;
    assert.ok(md, 'no KeyMetadata');
    assert.match(md.KeyId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(md.Arn, `arn:aws:kms:${REGION}:${ACCOUNT}:key/${md.KeyId}`);
    assert.equal(md.AWSAccountId, ACCOUNT);
    assert.equal(md.Description, description);
    assert.equal(md.Enabled, true);
    assert.equal(md.KeyState, 'Enabled');
    assert.equal(md.KeyUsage, 'ENCRYPT_DECRYPT');
    assert.equal(md.KeySpec, 'SYMMETRIC_DEFAULT');
    assert.equal(md.Origin, 'AWS_KMS');
    assert.equal(md.KeyManager, 'CUSTOMER');
    assert.equal(md.MultiRegion, false);
    assert.deepEqual(md.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
    // The CLI renders the epoch-seconds CreationDate as an ISO 8601 string.
    assert.ok(!Number.isNaN(Date.parse(md.CreationDate)), `CreationDate ${md.CreationDate} is not a date`);
    assert.ok(Math.abs(Date.parse(md.CreationDate) - Date.now()) < 10 * 60 * 1000, `CreationDate ${md.CreationDate} is not now`);

    const tags = await awsJson(['list-resource-tags', '--key-id', md.KeyId]);
    const sorted = [...tags.Tags].sort((a: { TagKey: string }, b: { TagKey: string }) => a.TagKey.localeCompare(b.TagKey));
    assert.deepEqual(sorted, [{ TagKey: 'env', TagValue: 'test' }, { TagKey: 'team', TagValue: 'payments' }]);
  });

  it('describe-key by key id, key ARN and alias gives the same metadata', async () => {
    const description = `cli describe ${randomUUID()}`;
    const { keyId, arn } = await createKey(description);
    const alias = aliasName();
    await awsJson(['create-alias', '--alias-name', alias, '--target-key-id', keyId]);
    // (by key id: see the disable-key test)
    for (const ref of [arn, alias, `arn:aws:kms:${REGION}:${ACCOUNT}:${alias}`]) {
      const out = await awsJson(['describe-key', '--key-id', ref]);
      assert.equal(out.KeyMetadata.KeyId, keyId, `describe-key --key-id ${ref}`);
      assert.equal(out.KeyMetadata.Arn, arn);
      assert.equal(out.KeyMetadata.Description, description);
      assert.equal(out.KeyMetadata.KeyState, 'Enabled');
    }
  });

  it('encrypt (fileb://) and decrypt (--output text --query Plaintext) round-trip binary data with a context', async () => {
    const { keyId, arn } = await createKey();
    const plaintext = Buffer.concat([Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a, 0x0d]), randomBytes(1000)]);
    const plaintextFile = file('plain.bin', plaintext);
    const encrypted = await awsJson([
      'encrypt', '--key-id', keyId, '--plaintext', `fileb://${plaintextFile}`, '--encryption-context', 'purpose=cli-test,app=compat',
    ]);
    assert.equal(encrypted.KeyId, arn, 'Encrypt must answer with the key ARN');
    assert.equal(encrypted.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    const blob = Buffer.from(encrypted.CiphertextBlob, 'base64');
    assert.ok(blob.length > plaintext.length, 'ciphertext shorter than plaintext');
    assert.ok(!blob.includes(plaintext.subarray(7, 40)), 'ciphertext contains the plaintext');
    const blobFile = file('cipher.bin', blob);

    const text = await aws([
      'decrypt', '--ciphertext-blob', `fileb://${blobFile}`, '--encryption-context', 'app=compat,purpose=cli-test', '--query', 'Plaintext',
    ], { output: 'text' });
    assert.equal(text.code, 0, text.stderr);
    assert.deepEqual(Buffer.from(text.stdout.trim(), 'base64'), plaintext);

    const full = await awsJson(['decrypt', '--ciphertext-blob', `fileb://${blobFile}`, '--encryption-context', 'purpose=cli-test,app=compat']);
    assert.equal(full.KeyId, arn, 'Decrypt must answer with the key ARN');
    assert.equal(full.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');

    // The context is bound to the ciphertext: without it (or with another) decryption fails.
    await awsError(['decrypt', '--ciphertext-blob', `fileb://${blobFile}`, '--encryption-context', 'purpose=other,app=compat'],
      'InvalidCiphertextException', 'Decrypt');
  });

  it('enable-key-rotation, get-key-rotation-status and disable-key-rotation', async () => {
    const { keyId } = await createKey();
    assert.deepEqual((await awsJson(['get-key-rotation-status', '--key-id', keyId])).KeyRotationEnabled, false);
    await awsJson(['enable-key-rotation', '--key-id', keyId]);
    const on = await awsJson(['get-key-rotation-status', '--key-id', keyId]);
    assert.equal(on.KeyRotationEnabled, true);
    await awsJson(['disable-key-rotation', '--key-id', keyId]);
    assert.equal((await awsJson(['get-key-rotation-status', '--key-id', keyId])).KeyRotationEnabled, false);
    const message = await awsError(['enable-key-rotation', '--key-id', 'alias/none'], 'NotFoundException', 'EnableKeyRotation');
    assert.equal(message, "Invalid keyId 'alias/none'");
  });

  it('imported key material: create-key --origin EXTERNAL, get-parameters-for-import, import-key-material, delete', async () => {
    const created = await awsJson(['create-key', '--origin', 'EXTERNAL']);
    const keyId: string = created.KeyMetadata.KeyId;
    assert.equal(created.KeyMetadata.KeyState, 'PendingImport');
    assert.equal(created.KeyMetadata.Origin, 'EXTERNAL');
    const params = await awsJson([
      'get-parameters-for-import', '--key-id', keyId, '--wrapping-algorithm', 'RSAES_OAEP_SHA_256', '--wrapping-key-spec', 'RSA_2048',
    ]);
    assert.equal(params.KeyId, created.KeyMetadata.Arn);
    const material = randomBytes(32);
    const wrapped = wrapKeyMaterial(Buffer.from(params.PublicKey, 'base64'), 'RSAES_OAEP_SHA_256', material);
    const validTo = new Date(Date.now() + 30 * 86_400_000).toISOString();
    await awsJson([
      'import-key-material', '--key-id', keyId,
      '--encrypted-key-material', `fileb://${file('material.bin', wrapped)}`,
      '--import-token', `fileb://${file('token.bin', Buffer.from(params.ImportToken, 'base64'))}`,
      '--expiration-model', 'KEY_MATERIAL_EXPIRES', '--valid-to', validTo,
    ]);
    const described = (await awsJson(['describe-key', '--key-id', keyId])).KeyMetadata;
    assert.equal(described.KeyState, 'Enabled');
    assert.equal(described.ExpirationModel, 'KEY_MATERIAL_EXPIRES');
    assert.equal(Date.parse(described.ValidTo), Date.parse(validTo.replace(/\.\d{3}Z$/, 'Z')));
    const encrypted = await awsJson(['encrypt', '--key-id', keyId, '--plaintext', `fileb://${file('p.bin', Buffer.from('imported'))}`]);
    assert.equal(encrypted.KeyId, created.KeyMetadata.Arn);

    await awsJson(['delete-imported-key-material', '--key-id', keyId]);
    assert.equal((await awsJson(['describe-key', '--key-id', keyId])).KeyMetadata.KeyState, 'PendingImport');
    const message = await awsError(
      ['encrypt', '--key-id', keyId, '--plaintext', `fileb://${file('p2.bin', Buffer.from('x'))}`],
      'KMSInvalidStateException',
      'Encrypt',
    );
    assert.equal(message, `${created.KeyMetadata.Arn} is pending import.`);
  });

  it('sign, verify, get-public-key (verified again with openssl), generate-mac and verify-mac', async () => {
    const created = await awsJson(['create-key', '--key-spec', 'ECC_NIST_P256', '--key-usage', 'SIGN_VERIFY']);
    const keyId: string = created.KeyMetadata.KeyId;
    assert.deepEqual(created.KeyMetadata.SigningAlgorithms, ['ECDSA_SHA_256']);
    const message = file('message.bin', Buffer.from('signed by the CLI'));
    const signed = await awsJson(['sign', '--key-id', keyId, '--message', `fileb://${message}`, '--message-type', 'RAW', '--signing-algorithm', 'ECDSA_SHA_256']);
    assert.equal(signed.KeyId, created.KeyMetadata.Arn);
    const signature = Buffer.from(signed.Signature, 'base64');
    const verified = await awsJson([
      'verify', '--key-id', keyId, '--message', `fileb://${message}`, '--message-type', 'RAW',
      '--signing-algorithm', 'ECDSA_SHA_256', '--signature', `fileb://${file('sig.bin', signature)}`,
    ]);
    assert.equal(verified.SignatureValid, true);
    const tampered = Buffer.from(signature);
    tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 1;
    await awsError([
      'verify', '--key-id', keyId, '--message', `fileb://${message}`, '--message-type', 'RAW',
      '--signing-algorithm', 'ECDSA_SHA_256', '--signature', `fileb://${file('bad.bin', tampered)}`,
    ], 'KMSInvalidSignatureException', 'Verify');

    const publicKey = await awsJson(['get-public-key', '--key-id', keyId]);
    assert.equal(publicKey.KeySpec, 'ECC_NIST_P256');
    const pem = file('public.pem', Buffer.from(createPublicKey({ key: Buffer.from(publicKey.PublicKey, 'base64'), format: 'der', type: 'spki' }).export({ format: 'pem', type: 'spki' })));
    const openssl = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile('openssl', ['dgst', '-sha256', '-verify', pem, '-signature', file('sig2.bin', signature), message], (error, stdout, stderr) =>
        resolve({ code: error ? 1 : 0, out: stdout + stderr }),
      ),
    );
    assert.equal(openssl.code, 0, openssl.out);
    assert.match(openssl.out, /Verified OK/);

    const macKey = (await awsJson(['create-key', '--key-spec', 'HMAC_256', '--key-usage', 'GENERATE_VERIFY_MAC'])).KeyMetadata.KeyId;
    const mac = await awsJson(['generate-mac', '--key-id', macKey, '--message', `fileb://${message}`, '--mac-algorithm', 'HMAC_SHA_256']);
    const macFile = file('mac.bin', Buffer.from(mac.Mac, 'base64'));
    const macOk = await awsJson(['verify-mac', '--key-id', macKey, '--message', `fileb://${message}`, '--mac-algorithm', 'HMAC_SHA_256', '--mac', `fileb://${macFile}`]);
    assert.equal(macOk.MacValid, true);
  });

  it('encrypt through an alias, generate-data-key, and decrypt of the data key', async () => {
    const { keyId, arn } = await createKey();
    const alias = aliasName();
    await awsJson(['create-alias', '--alias-name', alias, '--target-key-id', arn]);
    const encrypted = await awsJson(['encrypt', '--key-id', alias, '--plaintext', `fileb://${file('p.bin', Buffer.from('via alias'))}`]);
    assert.equal(encrypted.KeyId, arn);

    const dataKey = await awsJson(['generate-data-key', '--key-id', keyId, '--key-spec', 'AES_256']);
    assert.equal(dataKey.KeyId, arn);
    const plain = Buffer.from(dataKey.Plaintext, 'base64');
    assert.equal(plain.length, 32);
    const decrypted = await awsJson(['decrypt', '--ciphertext-blob', `fileb://${file('dk.bin', Buffer.from(dataKey.CiphertextBlob, 'base64'))}`]);
    assert.deepEqual(Buffer.from(decrypted.Plaintext, 'base64'), plain);
  });

  it('create-alias, then list-aliases with and without --key-id', async () => {
    const { keyId, arn } = await createKey();
    const other = await createKey();
    const alias1 = aliasName();
    const alias2 = aliasName();
    const otherAlias = aliasName();
    const created = await aws(['create-alias', '--alias-name', alias1, '--target-key-id', keyId]);
    assert.equal(created.code, 0, created.stderr);
    assert.equal(created.stdout.trim(), '', 'CreateAlias has no output');
    await awsJson(['create-alias', '--alias-name', alias2, '--target-key-id', arn]);
    await awsJson(['create-alias', '--alias-name', otherAlias, '--target-key-id', other.keyId]);

    // Without --key-id: every alias of the account and region (the CLI follows NextMarker by itself).
    const all = await awsJson<{ Aliases: Array<Record<string, unknown>> }>(['list-aliases']);
    for (const name of [alias1, alias2, otherAlias]) {
      const entry = all.Aliases.find((a) => a.AliasName === name);
      assert.ok(entry, `${name} missing from list-aliases`);
      assert.equal(entry.AliasArn, `arn:aws:kms:${REGION}:${ACCOUNT}:${name}`);
      assert.equal(entry.TargetKeyId, name === otherAlias ? other.keyId : keyId);
    }
    assert.equal(new Set(all.Aliases.map((a) => a.AliasName)).size, all.Aliases.length, 'list-aliases repeats an alias');

    // With --key-id: exactly this key's aliases.
    const mine = await awsJson<{ Aliases: Array<Record<string, unknown>> }>(['list-aliases', '--key-id', keyId]);
    assert.deepEqual(mine.Aliases.map((a) => a.AliasName).sort(), [alias1, alias2].sort());
    for (const entry of mine.Aliases) assert.equal(entry.TargetKeyId, keyId);

    // Creating the same alias twice is AlreadyExistsException.
    await awsError(['create-alias', '--alias-name', alias1, '--target-key-id', other.keyId], 'AlreadyExistsException', 'CreateAlias');
  });

  it('multi-region keys: create-key --multi-region, replicate-key, describe-key in the replica region, update-primary-region', async () => {
    if (!process.env.KMS_DATA_DIR) return; // needs the harness's service (its global table and admin token)
    const created = await awsJson(['create-key', '--multi-region', '--description', 'cli mrk'], MRK_PRIMARY);
    const keyId = created.KeyMetadata.KeyId as string;
    assert.match(keyId, /^mrk-[0-9a-f]{32}$/);
    assert.equal(created.KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType, 'PRIMARY');
    const replicated = await awsJson(['replicate-key', '--key-id', keyId, '--replica-region', MRK_REPLICA, '--description', 'cli replica'], MRK_PRIMARY);
    assert.equal(replicated.ReplicaKeyMetadata.KeyState, 'Creating');
    assert.equal(replicated.ReplicaKeyMetadata.Arn, `arn:aws:kms:${MRK_REPLICA}:${ACCOUNT}:key/${keyId}`);
    assert.equal(typeof replicated.ReplicaPolicy, 'string');
    await syncReplication();
    const inReplica = await eventually(async () => {
      const out = await awsJson(['describe-key', '--key-id', keyId], MRK_REPLICA);
      assert.equal(out.KeyMetadata.KeyState, 'Enabled');
      return out.KeyMetadata;
    });
    assert.equal(inReplica.Description, 'cli replica');
    assert.equal(inReplica.MultiRegionConfiguration.PrimaryKey.Region, MRK_PRIMARY);
    const result = await aws(['update-primary-region', '--key-id', keyId, '--primary-region', MRK_REPLICA], { region: MRK_PRIMARY });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), '');
    await syncReplication();
    await eventually(async () => {
      const out = await awsJson(['describe-key', '--key-id', keyId], MRK_REPLICA);
      assert.equal(out.KeyMetadata.MultiRegionConfiguration.MultiRegionKeyType, 'PRIMARY');
    });
  });

  it('describe-key of an unknown key id: NotFoundException, exit code 254', async () => {
    const unknown = randomUUID();
    const message = await awsError(['describe-key', '--key-id', unknown], 'NotFoundException', 'DescribeKey');
    assert.ok(message.includes(unknown), `message ${JSON.stringify(message)} does not name the key`);
    await awsError(['describe-key', '--key-id', aliasName()], 'NotFoundException', 'DescribeKey');
  });

  it('disable-key, then encrypt: DisabledException; enable-key makes it usable again', async () => {
    const { keyId } = await createKey();
    const plaintextFile = file('p.bin', Buffer.from('secret'));
    const disabled = await aws(['disable-key', '--key-id', keyId]);
    assert.equal(disabled.code, 0, disabled.stderr);
    const md = await awsJson(['describe-key', '--key-id', keyId]);
    assert.equal(md.KeyMetadata.KeyState, 'Disabled');
    assert.equal(md.KeyMetadata.Enabled, false);

    const message = await awsError(['encrypt', '--key-id', keyId, '--plaintext', `fileb://${plaintextFile}`], 'DisabledException', 'Encrypt');
    assert.ok(message.length > 0, 'DisabledException without a message');

    await awsJson(['enable-key', '--key-id', keyId]);
    const encrypted = await awsJson(['encrypt', '--key-id', keyId, '--plaintext', `fileb://${plaintextFile}`]);
    assert.ok(encrypted.CiphertextBlob);
  });

  it('a validation error is reported with its AWS type and message (0-byte plaintext)', async () => {
    const { keyId } = await createKey();
    const message = await awsError(['encrypt', '--key-id', keyId, '--plaintext', `fileb://${file('empty.bin', Buffer.alloc(0))}`],
      'ValidationException', 'Encrypt');
    assert.match(message, /^1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1/);
  });
});
