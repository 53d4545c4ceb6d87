/** CreateKey: https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html */
import { checkNewKeyPolicy } from '../authz/key-policy.js';
import { isKeyId, keyArn, newKeyId } from '../core/ids.js';
import { defaultKeyPolicy } from '../policy/default-policy.js';
import { keyMetadata } from '../core/key-metadata.js';
import { applyTags, type Tag } from '../core/tags.js';
import type { KeyRecord, KeyUsage, Origin } from '../core/types.js';
import { KMSInternalException, UnsupportedOperationException, ValidationException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';

export interface CreateKeyRequest {
  Policy?: string;
  Description?: string;
  KeyUsage?: KeyUsage;
  CustomerMasterKeySpec?: string;
  KeySpec?: string;
  Origin?: Origin;
  CustomKeyStoreId?: string;
  BypassPolicyLockoutSafetyCheck?: boolean;
  Tags?: Tag[];
  MultiRegion?: boolean;
  XksKeyId?: string;
}

/** Which KeyUsage each KeySpec allows (KMS-REFERENCE §5), for AWS's validation messages. */
const usagesBySpec: Record<string, KeyUsage[]> = {
  SYMMETRIC_DEFAULT: ['ENCRYPT_DECRYPT'],
  HMAC_224: ['GENERATE_VERIFY_MAC'],
  HMAC_256: ['GENERATE_VERIFY_MAC'],
  HMAC_384: ['GENERATE_VERIFY_MAC'],
  HMAC_512: ['GENERATE_VERIFY_MAC'],
  RSA_2048: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_3072: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_4096: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  ECC_NIST_P256: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_NIST_P384: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_NIST_P521: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  ECC_SECG_P256K1: ['SIGN_VERIFY'],
  ECC_NIST_EDWARDS25519: ['SIGN_VERIFY'],
  ML_DSA_44: ['SIGN_VERIFY'],
  ML_DSA_65: ['SIGN_VERIFY'],
  ML_DSA_87: ['SIGN_VERIFY'],
  SM2: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'],
};

export async function createKey(input: CreateKeyRequest, ctx: OperationContext) {
  if (input.KeySpec && input.CustomerMasterKeySpec && input.KeySpec !== input.CustomerMasterKeySpec) {
    throw new ValidationException('You cannot specify KeySpec and CustomerMasterKeySpec in the same request.');
  }
  const keySpec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
  if (keySpec !== 'SYMMETRIC_DEFAULT' && !input.KeyUsage) {
    throw new ValidationException('You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
  }
  const keyUsage = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
  if (!usagesBySpec[keySpec]?.includes(keyUsage)) {
    throw new ValidationException(`KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`);
  }
  // Asymmetric and HMAC keys, imported material and custom key stores are later issues of this project.
  if (keySpec !== 'SYMMETRIC_DEFAULT') {
    throw new UnsupportedOperationException(`KeySpec ${keySpec} is not supported by this service yet.`);
  }
  const origin = input.Origin ?? 'AWS_KMS';
  // EXTERNAL: the key starts without material, PendingImport (KMS-REFERENCE §9). Custom key stores are
  // not built. Multi-Region EXTERNAL keys are refused for now: each replica would need its own import,
  // and key replication copies the primary's material (a later issue).
  if ((origin !== 'AWS_KMS' && origin !== 'EXTERNAL') || input.CustomKeyStoreId || input.XksKeyId) {
    throw new UnsupportedOperationException(`Origin ${origin} is not supported by this service yet.`);
  }
  if (origin === 'EXTERNAL' && input.MultiRegion === true) {
    throw new UnsupportedOperationException('Multi-Region keys with Origin EXTERNAL are not supported by this service yet.');
  }
  const tags = applyTags({}, input.Tags ?? []);

  const now = ctx.clock.now().getTime();
  const multiRegion = input.MultiRegion === true;
  const random = ctx.random.bytes(16);
  const keyId = multiRegion ? `mrk-${random.toString('hex')}` : newKeyId(random);
  if (!isKeyId(keyId)) throw new KMSInternalException();
  const arn = keyArn(ctx.region, ctx.caller.account, keyId);
  const policy = input.Policy ?? defaultKeyPolicy(ctx.caller.account);
  if (input.Policy !== undefined) checkNewKeyPolicy(ctx, input.Policy, arn, input.BypassPolicyLockoutSafetyCheck === true);
  const material = origin === 'EXTERNAL' ? undefined : await ctx.vault.create(keyId, now);
  const key: KeyRecord = {
    keyId,
    account: ctx.caller.account,
    region: ctx.region,
    arn,
    creationDate: now,
    description: input.Description ?? '',
    keyUsage,
    keySpec,
    origin,
    keyManager: 'CUSTOMER',
    keyState: material ? 'Enabled' : 'PendingImport',
    multiRegion,
    currentKeyMaterialId: material?.keyMaterialId,
    tags,
    policy,
    revision: 1,
  };
  await ctx.store.createKey(key, material);
  return { KeyMetadata: keyMetadata(key) };
}
