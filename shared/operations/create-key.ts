/** CreateKey: https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html */
import { checkNewKeyPolicy } from '../authz/key-policy.js';
import { isKeyId, keyArn, newKeyId } from '../core/ids.js';
import { defaultKeyPolicy } from '../policy/default-policy.js';
import { keyMetadata } from '../core/key-metadata.js';
import { newPrivateMaterial } from '../core/key-pairs.js';
import { keySpecs } from '../core/key-specs.js';
import { applyTags, type Tag } from '../core/tags.js';
import type { KeyRecord, KeyUsage, Origin } from '../core/types.js';
import { KMSInternalException, UnsupportedOperationException, ValidationException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';

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

export async function createKey(input: CreateKeyRequest, ctx: OperationContext) {
  if (input.KeySpec && input.CustomerMasterKeySpec && input.KeySpec !== input.CustomerMasterKeySpec) {
    throw new ValidationException('You cannot specify KeySpec and CustomerMasterKeySpec in the same request.');
  }
  const keySpec = input.KeySpec ?? input.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
  if (keySpec !== 'SYMMETRIC_DEFAULT' && !input.KeyUsage) {
    throw new ValidationException('You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.');
  }
  const keyUsage = input.KeyUsage ?? 'ENCRYPT_DECRYPT';
  if (!keySpecs[keySpec]?.usages.includes(keyUsage)) {
    throw new ValidationException(`KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`);
  }
  if (keySpec === 'SM2') {
    // SM2 keys exist only in AWS's China Regions (wording ours).
    throw new UnsupportedOperationException('KeySpec SM2 is only supported in the China Regions.');
  }
  const origin = input.Origin ?? 'AWS_KMS';
  // EXTERNAL: the key starts without material, PendingImport (KMS-REFERENCE §9), also a multi-Region one
  // (each of its replicas gets the same material imported on its own). Custom key stores are not built.
  if ((origin !== 'AWS_KMS' && origin !== 'EXTERNAL') || input.CustomKeyStoreId || input.XksKeyId) {
    throw new UnsupportedOperationException(`Origin ${origin} is not supported by this service yet.`);
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
  const material = origin === 'EXTERNAL' ? undefined : await newMaterial(ctx, keyId, keySpec, now);
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
    primaryRegion: multiRegion ? ctx.region : undefined,
    currentKeyMaterialId: material?.keyMaterialId,
    tags,
    policy,
    revision: 1,
  };
  await ctx.store.createKey(key, material);
  const multiRegionConfiguration = multiRegion
    ? { MultiRegionKeyType: 'PRIMARY' as const, PrimaryKey: { Arn: arn, Region: ctx.region }, ReplicaKeys: [] }
    : undefined;
  return { KeyMetadata: keyMetadata(key, multiRegionConfiguration) };
}

/** Symmetric material from the vault; other specs get a new private key (or HMAC key), wrapped alike. */
async function newMaterial(ctx: OperationContext, keyId: string, keySpec: string, now: number) {
  if (keySpec === 'SYMMETRIC_DEFAULT') return ctx.vault.create(keyId, now);
  const privateMaterial = await newPrivateMaterial(keySpec, ctx.random);
  return ctx.vault.wrap(keyId, ctx.random.bytes(32).toString('hex'), privateMaterial, now);
}
