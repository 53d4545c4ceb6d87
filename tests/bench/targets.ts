/**
 * The bench's targets: the keys they use (made in the service with the SDK), and each target's one
 * request, built and SigV4-signed once and replayed unchanged, with a check of its answer.
 */
import { createHmac, createPublicKey, randomBytes, sign as cryptoSign, verify as cryptoVerify, constants as cryptoConstants, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { CreateGrantCommand, CreateKeyCommand, DecryptCommand, EncryptCommand, GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { credentialsOf, PRINCIPALS } from '../integration/principals.js';
import { signKmsRequest, type SignedKmsRequest } from '../support/sign.js';
import { b64, type Target } from './load.js';

export const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
export const PLAINTEXT_BYTES = 1024;
export const CONTEXT = { purpose: 'bench', tenant: 'acme-corp' };

/** The --only names of the targets, in the order they are measured. */
export const TARGET_NAMES = ['reference', 'encrypt', 'encrypt-policy', 'encrypt-grant', 'decrypt', 'encrypt-workers', 'generate-data-key', 'sign-ecc', 'sign-rsa', 'generate-mac', 'bare'];
/** Targets that need the (single-process) service. */
export const SERVICE_TARGETS = TARGET_NAMES.filter((name) => name !== 'reference' && name !== 'bare' && name !== 'encrypt-workers');
/** The targets compared with node:crypto in process. */
export const IN_PROCESS_TARGETS = ['sign-ecc', 'sign-rsa', 'generate-mac'];

export interface TargetSetup {
  plaintext: Buffer;
  wanted(name: string): boolean;
  serviceEndpoint?: string;
  servicePid?: number;
  /** The service with an API worker per core (KMS_WORKERS), for `encrypt-workers`. */
  workers?: { url: string; pid?: number; count: number };
  reference?: { url: string; pid?: number };
  bare?: { url: string; pid?: number };
  /** Says something about the set-up (on the progress stream). */
  note(text: string): void;
}

export async function buildTargets(setup: TargetSetup): Promise<Target[]> {
  const targets: Target[] = [];
  const { plaintext, wanted, serviceEndpoint, servicePid, reference, bare, note } = setup;
  const plaintextB64 = plaintext.toString('base64');
  let keyArn = `arn:aws:kms:${REGION}:111122223333:key/00000000-0000-4000-8000-000000000000`;
  let ciphertextB64 = '';
  let policyKeyArn = '';
  let grantKeyArn = '';
  let macKeyArn = '';
  // Sign rows: the service's Sign and node:crypto's sign of the same message with a local key of the same
  // kind (RSA PSS with a salt as long as the digest, as AWS signs).
  const asymmetricRows: Array<{
    name: string; label: string; keySpec: 'ECC_NIST_P256' | 'RSA_2048'; algorithm: string; keyArn: string; publicKey?: KeyObject;
    local: { privateKey: KeyObject }; options: { padding?: number; saltLength?: number };
  }> = [
    { name: 'sign-ecc', label: 'service Sign ECC_NIST_P256', keySpec: 'ECC_NIST_P256', algorithm: 'ECDSA_SHA_256', keyArn: '',
      local: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), options: {} },
    { name: 'sign-rsa', label: 'service Sign RSA_2048 PSS', keySpec: 'RSA_2048', algorithm: 'RSASSA_PSS_SHA_256', keyArn: '',
      local: generateKeyPairSync('rsa', { modulusLength: 2048 }), options: { padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
  ];
  if (serviceEndpoint) {
    const kms = new KMSClient({ endpoint: serviceEndpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    const created = await kms.send(new CreateKeyCommand({ Description: 'bench key' }));
    const arn = created.KeyMetadata?.Arn;
    if (!arn || !created.KeyMetadata?.KeyId) throw new Error(`CreateKey returned no KeyMetadata.Arn/KeyId: ${JSON.stringify(created.KeyMetadata)}`);
    keyArn = arn;
    const encrypted = await kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext, EncryptionContext: CONTEXT }));
    if (!encrypted.CiphertextBlob) throw new Error('Encrypt returned no CiphertextBlob');
    ciphertextB64 = Buffer.from(encrypted.CiphertextBlob).toString('base64');
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: CONTEXT }));
    if (!decrypted.Plaintext || !Buffer.from(decrypted.Plaintext).equals(plaintext)) throw new Error('SDK Decrypt did not return the plaintext');
    // Keys whose policy admits only the root unconditionally: alice through an encryption-context
    // condition, bob through a grant.
    const rootArn = PRINCIPALS.root.arn;
    const rootOnly = { Effect: 'Allow', Principal: { AWS: rootArn }, Action: 'kms:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalArn': rootArn } } };
    const conditional = { Effect: 'Allow', Principal: { AWS: PRINCIPALS.alice.arn }, Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:purpose': CONTEXT.purpose } } };
    const policyKey = await kms.send(new CreateKeyCommand({ Description: 'bench policy key', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [rootOnly, conditional] }) }));
    policyKeyArn = policyKey.KeyMetadata!.Arn!;
    const grantKey = await kms.send(new CreateKeyCommand({ Description: 'bench grant key', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [rootOnly] }) }));
    grantKeyArn = grantKey.KeyMetadata!.Arn!;
    await kms.send(new CreateGrantCommand({ KeyId: grantKeyArn, GranteePrincipal: PRINCIPALS.bob.arn, Operations: ['Encrypt'] }));
    for (const row of asymmetricRows.filter((r) => wanted(r.name))) {
      const key = await kms.send(new CreateKeyCommand({ Description: `bench ${row.name} key`, KeySpec: row.keySpec, KeyUsage: 'SIGN_VERIFY' }));
      row.keyArn = key.KeyMetadata!.Arn!;
      // The public key lets the bench check the service's signature; if GetPublicKey fails, the check is skipped.
      try {
        const out = await kms.send(new GetPublicKeyCommand({ KeyId: row.keyArn }));
        if (out.PublicKey) row.publicKey = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
      } catch (error) {
        note(`GetPublicKey of the ${row.name} key failed (${(error as Error).name}); its signatures are not verified`);
      }
    }
    if (wanted('generate-mac')) {
      const key = await kms.send(new CreateKeyCommand({ Description: 'bench HMAC key', KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
      macKeyArn = key.KeyMetadata!.Arn!;
    }
    kms.destroy();
    note(`key ${keyArn}; ciphertext of ${PLAINTEXT_BYTES} B plaintext is ${encrypted.CiphertextBlob.length} B`);
  }
  const encryptInput = { KeyId: keyArn, Plaintext: plaintextB64, EncryptionContext: CONTEXT };
  const sign = (endpoint: string, operation: string, input: unknown): Promise<SignedKmsRequest> =>
    signKmsRequest({ endpoint, operation, input, region: REGION, ...CREDENTIALS });

  const checkKeyId = (body: Record<string, unknown>): string[] =>
    body.KeyId === keyArn ? [] : [`KeyId is ${JSON.stringify(body.KeyId)}, expected the key ARN ${keyArn}`];
  const checkAlgorithm = (body: Record<string, unknown>): string[] =>
    body.EncryptionAlgorithm === 'SYMMETRIC_DEFAULT' ? [] : [`EncryptionAlgorithm is ${JSON.stringify(body.EncryptionAlgorithm)}`];
  const checkEncrypt = (body: Record<string, unknown>): string[] => [
    ...(b64(body.CiphertextBlob)?.length ? [] : ['no CiphertextBlob']),
    ...checkKeyId(body),
    ...checkAlgorithm(body),
  ];

  if (reference) {
    targets.push({ name: 'reference', label: 'reference Encrypt 1 KiB', endpoint: reference.url, request: await sign(reference.url, 'Encrypt', encryptInput), check: checkEncrypt, baseline: true, pid: reference.pid });
  }
  if (serviceEndpoint) {
    if (wanted('encrypt')) {
      targets.push({ name: 'encrypt', label: 'service Encrypt 1 KiB', endpoint: serviceEndpoint, pid: servicePid, request: await sign(serviceEndpoint, 'Encrypt', encryptInput), check: checkEncrypt });
    }
    const signAs = (name: 'alice' | 'bob', input: unknown): Promise<SignedKmsRequest> =>
      signKmsRequest({ endpoint: serviceEndpoint!, operation: 'Encrypt', input, region: REGION, ...credentialsOf(name) });
    if (wanted('encrypt-policy')) {
      targets.push({
        name: 'encrypt-policy', label: 'Encrypt via policy condition', endpoint: serviceEndpoint, pid: servicePid,
        request: await signAs('alice', { ...encryptInput, KeyId: policyKeyArn }),
        check: (body) => (body.KeyId === policyKeyArn ? [] : [`KeyId is ${JSON.stringify(body.KeyId)}`]),
      });
    }
    if (wanted('encrypt-grant')) {
      targets.push({
        name: 'encrypt-grant', label: 'Encrypt via grant', endpoint: serviceEndpoint, pid: servicePid,
        request: await signAs('bob', { ...encryptInput, KeyId: grantKeyArn }),
        check: (body) => (body.KeyId === grantKeyArn ? [] : [`KeyId is ${JSON.stringify(body.KeyId)}`]),
      });
    }
    if (wanted('decrypt')) {
      targets.push({
        name: 'decrypt', label: 'service Decrypt 1 KiB', endpoint: serviceEndpoint, pid: servicePid,
        request: await sign(serviceEndpoint, 'Decrypt', { CiphertextBlob: ciphertextB64, EncryptionContext: CONTEXT }),
        check: (body) => [
          ...(b64(body.Plaintext)?.equals(plaintext) ? [] : ['Plaintext does not match what was encrypted']),
          ...checkKeyId(body),
          ...checkAlgorithm(body),
        ],
      });
    }
    if (wanted('generate-data-key')) {
      targets.push({
        name: 'generate-data-key', label: 'service GenerateDataKey', endpoint: serviceEndpoint, pid: servicePid,
        request: await sign(serviceEndpoint, 'GenerateDataKey', { KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: CONTEXT }),
        check: (body) => [
          ...(b64(body.Plaintext)?.length === 32 ? [] : [`Plaintext is not 32 bytes (${b64(body.Plaintext)?.length})`]),
          ...(b64(body.CiphertextBlob)?.length ? [] : ['no CiphertextBlob']),
          ...checkKeyId(body),
        ],
      });
    }
    for (const row of asymmetricRows.filter((r) => wanted(r.name))) {
      const local = { key: row.local.privateKey, ...row.options };
      targets.push({
        name: row.name, label: row.label, endpoint: serviceEndpoint, pid: servicePid,
        request: await sign(serviceEndpoint, 'Sign', { KeyId: row.keyArn, Message: plaintextB64, MessageType: 'RAW', SigningAlgorithm: row.algorithm }),
        check: (body) => {
          const signature = b64(body.Signature);
          return [
            ...(signature?.length ? [] : ['no Signature']),
            ...(body.KeyId === row.keyArn ? [] : [`KeyId is ${JSON.stringify(body.KeyId)}, expected ${row.keyArn}`]),
            ...(body.SigningAlgorithm === row.algorithm ? [] : [`SigningAlgorithm is ${JSON.stringify(body.SigningAlgorithm)}`]),
            ...(signature && row.publicKey && !cryptoVerify('sha256', plaintext, { key: row.publicKey, ...row.options }, signature)
              ? ['the signature does not verify with the key\'s public key'] : []),
          ];
        },
        inProcess: () => { cryptoSign('sha256', plaintext, local); },
      });
    }
    if (wanted('generate-mac')) {
      const localKey = randomBytes(32);
      targets.push({
        name: 'generate-mac', label: 'service GenerateMac HMAC_256', endpoint: serviceEndpoint, pid: servicePid,
        request: await sign(serviceEndpoint, 'GenerateMac', { KeyId: macKeyArn, Message: plaintextB64, MacAlgorithm: 'HMAC_SHA_256' }),
        check: (body) => [
          ...(b64(body.Mac)?.length === 32 ? [] : [`Mac is not 32 bytes (${b64(body.Mac)?.length})`]),
          ...(body.KeyId === macKeyArn ? [] : [`KeyId is ${JSON.stringify(body.KeyId)}, expected ${macKeyArn}`]),
          ...(body.MacAlgorithm === 'HMAC_SHA_256' ? [] : [`MacAlgorithm is ${JSON.stringify(body.MacAlgorithm)}`]),
        ],
        inProcess: () => { createHmac('sha256', localKey).update(plaintext).digest(); },
      });
    }
  }
  if (setup.workers) {
    const { url, pid, count } = setup.workers;
    const kms = new KMSClient({ endpoint: url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    const workersKeyArn = (await kms.send(new CreateKeyCommand({ Description: 'bench workers key' }))).KeyMetadata!.Arn!;
    kms.destroy();
    targets.push({
      name: 'encrypt-workers', label: `service Encrypt, ${count} workers`, endpoint: url, pid,
      request: await sign(url, 'Encrypt', { ...encryptInput, KeyId: workersKeyArn }),
      check: (body) => [...(b64(body.CiphertextBlob)?.length ? [] : ['no CiphertextBlob']), ...(body.KeyId === workersKeyArn ? [] : [`KeyId is ${JSON.stringify(body.KeyId)}`])],
    });
  }
  if (bare) {
    targets.push({ name: 'bare', label: 'bare node:http (no parsing)', endpoint: bare.url, request: await sign(bare.url, 'Encrypt', encryptInput), check: () => [], baseline: true, pid: bare.pid });
  }
  return targets;
}
