/**
 * Client compatibility: Terraform 1.11 with the hashicorp/aws provider 5.100.0 against the service,
 * unchanged except for the provider's `endpoints { kms, sts }`. The configuration
 * (tests/compat/terraform/main.tf) uses every KMS resource and data source of the provider that needs
 * no CloudHSM cluster or external key store, in two regions; the test runs `init`, `apply`, checks the
 * outputs (and a few things through the SDK), then `plan -detailed-exitcode` (no changes: everything
 * Terraform reads back matches what it wrote) and `destroy`.
 *
 * Offline: the provider comes from the filesystem mirror /opt/tf-plugins through a CLI config file, and
 * no skip_* flag is set, so the provider validates its credentials and learns the account through
 * sts:GetCallerIdentity on the same endpoint. Without terraform or the mirror the whole suite is skipped,
 * loudly (the reason goes to stderr and into the skip message).
 *
 * Regions: the provider's default region and the `west` alias for the replicas: us-east-1 and us-west-2
 * when both are regions of the service's global table (KMS_REGIONS; `npm start`'s default), else the pair
 * tests/run.ts gives the multi-region tests (tests/integration/regions.ts). Locally a replica could go to
 * any region (it joins the table), but under `npm test` that would make every other test file's writes
 * in us-east-1 replicate for the rest of the run.
 *
 * Endpoint: $KMS_ENDPOINT (set by `npm test`); when unset, the file starts its own local service.
 * A failed step shows the end of terraform's stdout and stderr; each step's whole output is kept in the
 * temp working dir, which KEEP_DATA=1 keeps. TF_LOG=DEBUG (and TF_LOG_PATH) in the environment are handed
 * to terraform: its log shows every request and response.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createPublicKey, createVerify, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DecryptCommand,
  DescribeKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  type ListAliasesCommandOutput,
  ListGrantsCommand,
  ListResourceTagsCommand,
  SignCommand,
} from '@aws-sdk/client-kms';
import { MRK_PRIMARY, MRK_REPLICA } from '../integration/regions.js';

const TERRAFORM = '/usr/local/bin/terraform';
const PLUGIN_MIRROR = '/opt/tf-plugins';
const PROVIDER_DIR = join(PLUGIN_MIRROR, 'registry.terraform.io/hashicorp/aws/5.100.0');
const FIXTURE = fileURLToPath(new URL('./terraform/main.tf', import.meta.url));
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const STEP_TIMEOUT_MS = { init: 60_000, apply: 150_000, output: 30_000, plan: 90_000, destroy: 120_000 };

/** Why the suite cannot run here, or undefined. */
function missingTerraform(): string | undefined {
  const missing: string[] = [];
  if (!existsSync(TERRAFORM)) missing.push(`the terraform binary (${TERRAFORM})`);
  const providerBuilt = existsSync(PROVIDER_DIR) && readdirSync(PROVIDER_DIR).some((platform) => platform.startsWith('linux_'));
  if (!providerBuilt) missing.push(`the hashicorp/aws 5.100.0 provider in the filesystem mirror (${PROVIDER_DIR})`);
  if (missing.length === 0) return undefined;
  return `Terraform compatibility test SKIPPED: missing ${missing.join(' and ')}; nothing may be downloaded, so install them to run it`;
}

const skipReason = missingTerraform();
if (skipReason) console.error(`\n!!! ${skipReason}\n`);

let endpoint = process.env.KMS_ENDPOINT ?? '';
let dataDir = process.env.KMS_DATA_DIR ?? '';
let stopOwnService: (() => Promise<void>) | undefined;
let workDir = '';

async function ensureEndpoint(): Promise<void> {
  if (endpoint) return;
  const { startLocalService } = await import('../../infra/local/service.js');
  dataDir = join(workDir, 'kms-data');
  const service = await startLocalService({ port: 0, dynamodbPort: 0, dataDir, jobIntervalMs: 0 });
  endpoint = service.endpoint;
  stopOwnService = () => service.stop();
}

/** The primary and replica regions: a pair of the service's global table (see the header). */
async function chooseRegions(): Promise<[string, string]> {
  const preferred: Array<[string, string]> = [['us-east-1', 'us-west-2'], [MRK_PRIMARY, MRK_REPLICA]];
  if (!dataDir) return preferred[0]!; // not a local service we can ask: assume its defaults
  const { adminRequest } = await import('../../infra/local/admin-client.js');
  const { status, body } = await adminRequest('/!admin/regions', { method: 'GET', dataDir });
  assert.equal(status, 200, `GET /!admin/regions: ${status} ${JSON.stringify(body)}`);
  const globalTable = body.globalTable as string[];
  const pair = preferred.find(([a, b]) => globalTable.includes(a) && globalTable.includes(b));
  assert.ok(pair, `the service's global table (${globalTable.join(', ')}) has neither us-east-1/us-west-2 nor ${MRK_PRIMARY}/${MRK_REPLICA}`);
  return pair;
}

interface StepResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function terraform(args: string[], timeoutMs: number): Promise<StepResult> {
  const env: NodeJS.ProcessEnv = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: workDir,
    LANG: 'C.UTF-8',
    TF_CLI_CONFIG_FILE: join(workDir, 'terraform.rc'),
    TF_DATA_DIR: join(workDir, '.terraform'),
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    // Only what main.tf gives the provider: no shared config or credentials files, no instance metadata.
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(process.env.TF_LOG ? { TF_LOG: process.env.TF_LOG } : {}),
    ...(process.env.TF_LOG_PATH ? { TF_LOG_PATH: process.env.TF_LOG_PATH } : {}),
  };
  return new Promise((resolve) => {
    const child = spawn(TERRAFORM, args, { cwd: join(workDir, 'config'), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n[test] terraform ${args[0]} did not finish within ${timeoutMs / 1000} s: SIGTERM\n`;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${error.message}` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const tail = (text: string, limit: number) =>
  text.length > limit ? `…(${text.length - limit} characters before)…\n${text.slice(-limit)}` : text;

/** The end of a step's output, stderr (terraform's errors) first, for a failure message. */
function transcript(args: string[], result: StepResult, limit = 8_000): string {
  return `terraform ${args.join(' ')} exited ${result.code}\n--- stderr ---\n${tail(result.stderr, limit)}\n--- stdout ---\n${tail(result.stdout, limit)}`;
}

let stepCount = 0;

/** Runs a terraform step, keeps its whole output in workDir, fails with the end of it on another exit code. */
async function step(args: string[], timeoutMs: number, expectedCode = 0): Promise<StepResult> {
  const result = await terraform(args, timeoutMs);
  const log = join(workDir, `${String(++stepCount).padStart(2, '0')}-${args[0]}.log`);
  writeFileSync(log, `${transcript(args, result, Infinity)}\n`);
  if (result.code !== expectedCode) {
    const where = process.env.KEEP_DATA ? `whole output: ${log}` : 'KEEP_DATA=1 keeps the whole output of each step';
    assert.fail(`expected exit ${expectedCode} (${where}; TF_LOG=DEBUG shows requests and responses)\n${transcript(args, result)}`);
  }
  return result;
}

const KEY_ARN = (region: string, account: string) =>
  new RegExp(`^arn:aws:kms:${region}:${account}:key/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`);

// Also a skipped test, not only a skipped suite: the run's summary counts skipped tests, not suites.
if (skipReason) it('Terraform (hashicorp/aws 5.100.0) compatibility: not run', { skip: skipReason }, () => {});

describe('Terraform (hashicorp/aws 5.100.0) compatibility', { skip: skipReason ?? false, timeout: 600_000 }, () => {
  const suffix = randomBytes(5).toString('hex');
  const plaintext = `terraform secret ${randomBytes(8).toString('hex')}`;
  const keyMaterial = randomBytes(32).toString('base64');
  let region = '';
  let west = '';
  let applied = false; // apply started: destroy in after() if the destroy test did not
  let applyOk = false; // apply and output succeeded: the checks below have something to check
  let destroyed = false;
  let outputs: Record<string, any> = {};
  let kms: KMSClient;
  let kmsWest: KMSClient;

  before(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'kms-terraform-'));
    await ensureEndpoint();
    [region, west] = await chooseRegions();
    kms = new KMSClient({ region, endpoint, credentials: CREDENTIALS });
    kmsWest = new KMSClient({ region: west, endpoint, credentials: CREDENTIALS });
    writeFileSync(
      join(workDir, 'terraform.rc'),
      [
        'provider_installation {',
        '  filesystem_mirror {',
        `    path    = ${JSON.stringify(PLUGIN_MIRROR)}`,
        '    include = ["registry.terraform.io/*/*"]',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const config = join(workDir, 'config');
    mkdirSync(config);
    copyFileSync(FIXTURE, join(config, 'main.tf'));
    writeFileSync(
      join(config, 'terraform.tfvars.json'),
      JSON.stringify({
        endpoint,
        region,
        replica_region: west,
        access_key: CREDENTIALS.accessKeyId,
        secret_key: CREDENTIALS.secretAccessKey,
        suffix,
        key_material_base64: keyMaterial,
        secret_plaintext: plaintext,
      }),
    );
  });

  after(async () => {
    // A failed run still gives its keys back (scheduled for deletion) and frees its aliases.
    if (applied && !destroyed) {
      const args = ['destroy', '-auto-approve', '-input=false', '-no-color'];
      const result = await terraform(args, STEP_TIMEOUT_MS.destroy);
      if (result.code !== 0) console.error(`cleanup after a failed run: ${transcript(args, result, 4000)}`);
    }
    kms?.destroy();
    kmsWest?.destroy();
    await stopOwnService?.();
    if (workDir && !process.env.KEEP_DATA) rmSync(workDir, { recursive: true, force: true });
    else if (workDir) console.log(`KEEP_DATA: terraform working dir ${workDir}`);
  });

  it('terraform init installs the provider from the filesystem mirror', async () => {
    const result = await step(['init', '-input=false', '-no-color'], STEP_TIMEOUT_MS.init);
    assert.match(result.stdout, /Installing hashicorp\/aws v5\.100\.0/);
    assert.match(result.stdout, /Terraform has been successfully initialized/);
  });

  it('terraform apply creates every resource', async () => {
    applied = true; // even a failed apply may have created some
    const result = await step(['apply', '-auto-approve', '-input=false', '-no-color'], STEP_TIMEOUT_MS.apply);
    assert.match(result.stdout, /Apply complete! Resources: \d+ added, 0 changed, 0 destroyed\./);
    const out = await step(['output', '-json', '-no-color'], STEP_TIMEOUT_MS.output);
    outputs = Object.fromEntries(Object.entries(JSON.parse(out.stdout) as Record<string, { value: unknown }>).map(([k, v]) => [k, v.value]));
    applyOk = true;
  });

  it('outputs: the account, secrets decrypted back, public keys, replicas, aliases, data sources', (t) => {
    if (!applyOk) return t.skip('apply failed');
    const account = outputs.account_id as string;
    assert.equal(account, '111122223333');
    assert.equal(outputs.caller_arn, `arn:aws:iam::${account}:root`);
    const keyArn = KEY_ARN(region, account);
    const westArn = KEY_ARN(west, account);

    // aws_kms_ciphertext (resource and data source) → aws_kms_secrets: the plaintexts come back.
    assert.deepEqual(outputs.secrets, { from_resource: plaintext, from_data_source: `data ${plaintext}` });

    const keys = outputs.keys as Record<string, string>;
    for (const [name, arn] of Object.entries(keys)) assert.match(arn, name.startsWith('replica') ? westArn : keyArn, `${name}: ${arn}`);
    assert.equal(new Set(Object.values(keys)).size, Object.keys(keys).length, 'two resources share a key');

    const symmetric = outputs.symmetric;
    assert.equal(symmetric.enable_key_rotation, true);
    assert.equal(symmetric.rotation_period_in_days, 90);
    assert.deepEqual(symmetric.tags_all, { Name: `tf-symmetric-${suffix}`, Owner: 'compat-tests' });
    assert.equal(JSON.parse(symmetric.policy).Statement[0].Principal.AWS, `arn:aws:iam::${account}:root`);

    assert.deepEqual(outputs.key_by_alias, {
      arn: keys.symmetric,
      aws_account_id: account,
      customer_master_key_spec: 'SYMMETRIC_DEFAULT',
      key_spec: 'SYMMETRIC_DEFAULT',
      key_usage: 'ENCRYPT_DECRYPT',
      key_state: 'Enabled',
      key_manager: 'CUSTOMER',
      origin: 'AWS_KMS',
      enabled: true,
      multi_region: false,
      description: `tf symmetric ${suffix}`,
    });

    // Multi-region: the primary lists its replica; the replica is in the west region, same key id.
    const multiKeyId = keys.multi!.split('/')[1]!;
    assert.match(multiKeyId, /^mrk-[0-9a-f]{32}$/);
    const [mrc] = outputs.multi_region_configuration as any[];
    assert.equal(mrc.multi_region_key_type, 'PRIMARY');
    assert.deepEqual(mrc.primary_key, [{ arn: keys.multi, region }]);
    assert.deepEqual(mrc.replica_keys, [{ arn: keys.replica, region: west }]);
    const replica = outputs.replica;
    assert.equal(replica.region, west);
    assert.equal(replica.arn, `arn:aws:kms:${west}:${account}:key/${multiKeyId}`);
    assert.equal(replica.key_id, multiKeyId);
    assert.equal(replica.key_spec, 'SYMMETRIC_DEFAULT');
    assert.equal(replica.key_usage, 'ENCRYPT_DECRYPT');
    assert.equal(replica.key_rotation_enabled, false);
    assert.equal(replica.data_key_state, 'Enabled');
    assert.equal(replica.data_multi_region[0].multi_region_key_type, 'REPLICA');
    assert.deepEqual(replica.data_multi_region[0].primary_key, [{ arn: keys.multi, region }]);
    assert.equal(replica.alias_target_key_arn, keys.replica);

    // External (imported material) multi-region key and its replica, both usable.
    assert.deepEqual(outputs.external, {
      key_state: 'Enabled',
      expiration_model: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
      key_usage: 'ENCRYPT_DECRYPT',
      multi_region: true,
      replica_region: west,
      replica_state: 'Enabled',
      replica_key_id: keys.external!.split('/')[1],
    });

    const aliases = outputs.aliases;
    assert.equal(aliases.symmetric_name, `alias/tf-symmetric-${suffix}`);
    assert.equal(aliases.symmetric_arn, `arn:aws:kms:${region}:${account}:alias/tf-symmetric-${suffix}`);
    assert.equal(aliases.symmetric_target_key_arn, keys.symmetric);
    assert.equal(aliases.data_arn, aliases.symmetric_arn);
    assert.equal(aliases.data_target_key_arn, keys.symmetric);
    assert.equal(aliases.data_target_key_id, keys.symmetric!.split('/')[1]);
    assert.ok(aliases.prefixed_name.startsWith(`alias/tf-prefixed-${suffix}-`), aliases.prefixed_name);
    assert.equal(aliases.aws_managed_arn, `arn:aws:kms:${region}:${account}:alias/aws/s3`);
    assert.match(aliases.aws_managed_target_arn, keyArn);

    const pub = outputs.public_keys;
    assert.equal(pub.rsa_sign.customer_master_key_spec, 'RSA_2048');
    assert.equal(pub.rsa_sign.key_usage, 'SIGN_VERIFY');
    assert.equal(pub.rsa_sign.arn, keys.rsa_sign);
    assert.deepEqual([...pub.rsa_sign.signing_algorithms].sort(), [
      'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512',
      'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512',
    ]);
    assert.deepEqual(pub.rsa_sign.encryption_algorithms, []);
    const rsaSignKey = createPublicKey(pub.rsa_sign.public_key_pem);
    assert.equal(rsaSignKey.asymmetricKeyType, 'rsa');
    assert.equal(rsaSignKey.asymmetricKeyDetails?.modulusLength, 2048);
    assert.equal(pub.ecc_sign.customer_master_key_spec, 'ECC_NIST_P256');
    assert.deepEqual(pub.ecc_sign.signing_algorithms, ['ECDSA_SHA_256']);
    assert.equal(createPublicKey(pub.ecc_sign.public_key_pem).asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(pub.rsa_encrypt.customer_master_key_spec, 'RSA_3072');
    assert.equal(pub.rsa_encrypt.key_usage, 'ENCRYPT_DECRYPT');
    assert.deepEqual([...pub.rsa_encrypt.encryption_algorithms].sort(), ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
    const rsaEncryptKey = createPublicKey({ key: Buffer.from(pub.rsa_encrypt.public_key, 'base64'), format: 'der', type: 'spki' });
    assert.equal(rsaEncryptKey.asymmetricKeyDetails?.modulusLength, 3072);

    assert.match(outputs.grants.equals_id, /^[0-9a-f]{64}$/);
    assert.match(outputs.grants.subset_id, /^[0-9a-f]{64}$/);
    assert.ok(outputs.grants.equals_token.length > 0);

    const withPolicy = JSON.parse(outputs.policies.with_policy);
    assert.equal(withPolicy.Id, `tf-custom-${suffix}`);
    assert.equal(JSON.parse(outputs.policies.policy_target).Id, `tf-key-policy-${suffix}`);
  });

  it('what Terraform made is what the service holds (SDK cross-checks)', async (t) => {
    if (!applyOk) return t.skip('apply failed');
    const keys = outputs.keys as Record<string, string>;
    const decrypted = await kms.send(
      new DecryptCommand({ CiphertextBlob: Buffer.from(outputs.ciphertext, 'base64'), EncryptionContext: { app: 'terraform-compat', stage: 'test' } }),
    );
    assert.equal(Buffer.from(decrypted.Plaintext!).toString(), plaintext);
    assert.equal(decrypted.KeyId, keys.symmetric);

    const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keys.symmetric }));
    assert.equal(rotation.KeyRotationEnabled, true);
    assert.equal(rotation.RotationPeriodInDays, 90);

    const tags = await kms.send(new ListResourceTagsCommand({ KeyId: keys.hmac }));
    assert.deepEqual(tags.Tags, [{ TagKey: 'Kind', TagValue: 'hmac' }]);

    const grants = (await kms.send(new ListGrantsCommand({ KeyId: keys.symmetric }))).Grants ?? [];
    const byName = Object.fromEntries(grants.map((g) => [g.Name, g]));
    assert.deepEqual(byName[`tf-equals-${suffix}`]?.Constraints, { EncryptionContextEquals: { app: 'terraform-compat', stage: 'test' } });
    assert.deepEqual(byName[`tf-subset-${suffix}`]?.Constraints, { EncryptionContextSubset: { app: 'terraform-compat' } });
    assert.deepEqual([...(byName[`tf-equals-${suffix}`]?.Operations ?? [])].sort(), ['Decrypt', 'Encrypt', 'GenerateDataKey']);

    // The PEM Terraform read verifies a signature the service makes.
    const message = Buffer.from(`signed for terraform ${suffix}`);
    const signed = await kms.send(new SignCommand({ KeyId: keys.rsa_sign, Message: message, MessageType: 'RAW', SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256' }));
    const verifier = createVerify('sha256').update(message);
    assert.ok(verifier.verify(outputs.public_keys.rsa_sign.public_key_pem, Buffer.from(signed.Signature!)), 'signature does not verify with the PEM');

    const replica = await kmsWest.send(new DescribeKeyCommand({ KeyId: keys.replica }));
    assert.equal(replica.KeyMetadata?.Description, `tf replica ${suffix}`);
    const replicaExternal = await kmsWest.send(new DescribeKeyCommand({ KeyId: keys.replica_ext }));
    assert.equal(replicaExternal.KeyMetadata?.Origin, 'EXTERNAL');
    assert.equal(replicaExternal.KeyMetadata?.KeyState, 'Enabled');
  });

  it('terraform plan -detailed-exitcode finds no changes', async (t) => {
    if (!applyOk) return t.skip('apply failed');
    const result = await step(['plan', '-detailed-exitcode', '-input=false', '-no-color'], STEP_TIMEOUT_MS.plan, 0);
    assert.match(result.stdout, /No changes\./);
  });

  it('terraform destroy removes everything', async () => {
    const result = await step(['destroy', '-auto-approve', '-input=false', '-no-color'], STEP_TIMEOUT_MS.destroy);
    destroyed = true;
    assert.match(result.stdout, /Destroy complete! Resources: \d+ destroyed\./);
    const keys = outputs.keys as Record<string, string> | undefined;
    if (!keys) return;
    for (const [name, arn] of Object.entries(keys)) {
      const client = name.startsWith('replica') ? kmsWest : kms;
      const md = (await client.send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata;
      assert.ok(['PendingDeletion', 'PendingReplicaDeletion'].includes(md?.KeyState ?? ''), `${name}: ${md?.KeyState}`);
    }
    for (const name of ['symmetric', 'rsa_sign', 'hmac', 'replica']) {
      const client: KMSClient = name === 'replica' ? kmsWest : kms;
      const listed: ListAliasesCommandOutput = await client.send(new ListAliasesCommand({ KeyId: keys[name] }));
      assert.deepEqual((listed.Aliases ?? []).map((a) => a.AliasName), [], `${name} still has aliases`);
    }
    const grants = (await kms.send(new ListGrantsCommand({ KeyId: keys.symmetric }))).Grants ?? [];
    assert.deepEqual(grants.map((g) => g.Name), []);
  });
});
