/**
 * AWS managed keys (KMS-REFERENCE §12): the first request that names `alias/aws/<service>` creates that
 * account's managed key for the service, with the alias, in one transaction. Its fixed policy lets the
 * account read its metadata and lets only the service (kms:ViaService) use it, so customers cannot
 * change, disable, delete, tag or re-policy it: those requests are denied by the policy itself.
 */
import { aliasArn, keyArn, newKeyId } from '../core/ids.js';
import type { KeyRecord } from '../core/types.js';
import { ConditionFailedError } from '../store/ports.js';
import { NotFoundException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';

const PREFIX = 'alias/aws/';
const AWS_MANAGED_ROTATION_DAYS = 365;

/** Services with a predefined AWS managed key alias. */
const services = new Set([
  'acm', 'dynamodb', 'ebs', 'elasticfilesystem', 'es', 'glue', 'kinesis', 'kinesisvideo', 'lambda', 'rds',
  'redshift', 's3', 'secretsmanager', 'sns', 'sqs', 'ssm', 'xray', 'backup', 'codecommit', 'logs',
]);

export function isAwsManagedAlias(aliasName: string): boolean {
  return aliasName.startsWith(PREFIX) && services.has(aliasName.slice(PREFIX.length));
}

/**
 * Every predefined AWS managed alias name (`alias/aws/<service>`), in the order the store sorts alias
 * names (plain code-unit order: alias names are ASCII, so it matches DynamoDB's byte order). ListAliases
 * shows these in every account before the key exists (KMS-REFERENCE §12).
 */
export const predefinedAwsManagedAliases: readonly string[] = Object.freeze(
  [...services].map((service) => PREFIX + service).sort(),
);

export async function createAwsManagedKey(ctx: OperationContext, aliasName: string): Promise<KeyRecord> {
  const service = aliasName.slice(PREFIX.length);
  const account = ctx.caller.account;
  const now = ctx.clock.now().getTime();
  const keyId = newKeyId(ctx.random.bytes(16));
  const material = await ctx.vault.create(keyId, now);
  const key: KeyRecord = {
    keyId,
    account,
    region: ctx.region,
    arn: keyArn(ctx.region, account, keyId),
    creationDate: now,
    description: `Default key that protects my ${service} data when no other key is defined`,
    keyUsage: 'ENCRYPT_DECRYPT',
    keySpec: 'SYMMETRIC_DEFAULT',
    origin: 'AWS_KMS',
    keyManager: 'AWS',
    keyState: 'Enabled',
    multiRegion: false,
    currentKeyMaterialId: material.keyMaterialId,
    tags: {},
    policy: awsManagedKeyPolicy(account, ctx.region, service),
    // AWS managed keys rotate every year, and nobody can change that (KMS-REFERENCE §8).
    rotationEnabled: true,
    rotationPeriodInDays: AWS_MANAGED_ROTATION_DAYS,
    nextRotationDate: now + AWS_MANAGED_ROTATION_DAYS * 86_400_000,
    revision: 1,
  };
  try {
    await ctx.store.createKey(key, material, {
      account,
      region: ctx.region,
      aliasName,
      targetKeyId: keyId,
      creationDate: now,
      lastUpdatedDate: now,
    });
    return key;
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    // Another request created it first: use that one.
    const alias = await ctx.store.getAlias(account, aliasName);
    const existing = alias && (await ctx.store.getKey(alias.targetKeyId));
    if (!existing) throw new NotFoundException(`Alias ${aliasArn(ctx.region, account, aliasName)} is not found.`);
    return existing;
  }
}

/** The policy AWS gives its managed keys: use only through the service, metadata for the account. */
export function awsManagedKeyPolicy(account: string, region: string, service: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: `auto-${service}-2`,
      Statement: [
        {
          Sid: `Allow access through ${service} for all principals in the account that are authorized to use ${service}`,
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:CallerAccount': account, 'kms:ViaService': `${service}.${region}.amazonaws.com` } },
        },
        {
          Sid: 'Allow direct access to key metadata to the account',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${account}:root` },
          Action: ['kms:Describe*', 'kms:Get*', 'kms:List*'],
          Resource: '*',
        },
      ],
    },
    null,
    2,
  );
}
