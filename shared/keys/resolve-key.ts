/**
 * The one resolver for every way a request names a key (key id, key ARN, alias name, alias ARN), with
 * AWS's NotFoundException wording, then authorization (key policy, then grants), then the key-state
 * check of the operation (conventions §6). Every key operation goes through here, so none can skip a
 * check.
 */
import { aliasArn, keyArn, parseKeyReference, PARTITION } from '../core/ids.js';
import type { OperationName } from '../model/names.js';
import { checkKeyState, type StateCheckedOperation } from '../core/key-state.js';
import type { KeyRecord } from '../core/types.js';
import { notePendingDeletionUse } from './pending-deletion-use.js';
import { authorize } from '../authz/authorize.js';
import type { RequestConditions } from '../authz/request-conditions.js';
import { NotFoundException } from '../errors.js';
import { createAwsManagedKey, isAwsManagedAlias } from './aws-managed-key.js';
import type { OperationContext } from '../context/operation-context.js';
import { readMaterialsAhead } from './material-reads.js';

export interface ResolveOptions {
  /** Whether the operation accepts an alias name or alias ARN (the "A" operations of KMS-REFERENCE §1). */
  allowAlias: boolean;
  /** The action authorized; `kms:<operation>` unless the operation uses another (ReEncryptFrom/To). */
  action?: string;
  /** Condition keys of the request (encryption context, algorithm, grant tokens, ...). */
  conditions?: RequestConditions;
}

/** Operations AWS lets another account perform on a key (by key ARN or alias ARN), if the policy allows. */
const crossAccountOperations = new Set<OperationName>([
  'DescribeKey', 'Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext',
  'CreateGrant', 'ListGrants', 'RetireGrant', 'RevokeGrant', 'GetKeyRotationStatus',
  'Sign', 'Verify', 'GenerateMac', 'VerifyMac', 'GetPublicKey', 'DeriveSharedSecret',
  'GenerateDataKeyPair', 'GenerateDataKeyPairWithoutPlaintext',
]);

/** Operations that use the key's material once it is resolved: a cold key's is read alongside it (keys/material-reads.ts). */
const materialOperations = new Set<StateCheckedOperation>([
  'Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'GenerateMac', 'VerifyMac', 'Sign', 'Verify', 'GetPublicKey', 'DeriveSharedSecret',
]);

export async function resolveKey(
  ctx: OperationContext,
  value: string,
  operation: StateCheckedOperation,
  options: ResolveOptions,
): Promise<KeyRecord> {
  const { key, requestAlias } = await locateKey(ctx, value, options, materialOperations.has(operation));
  if (key.account !== ctx.caller.account && !crossAccountOperations.has(operation as OperationName)) {
    throw new NotFoundException(`Key '${key.arn}' does not exist`);
  }
  ctx.trail?.keys.push(key); // the audit record's resources, also when authorization fails
  // Object.assign, not `{ ...conditions, requestAlias }`: the spread form is a slow path in Node 20's V8.
  await authorize(ctx, key, options.action ?? `kms:${operation}`, Object.assign({}, options.conditions, { requestAlias }));
  await checkUsableState(ctx, key, operation);
  return key;
}

/** The key-state check of an operation; a refused use of a key pending deletion is counted (metric, alarm). */
export async function checkUsableState(ctx: OperationContext, key: KeyRecord, operation: StateCheckedOperation): Promise<void> {
  try {
    checkKeyState(key, operation);
  } catch (error) {
    await notePendingDeletionUse(ctx, key, operation);
    throw error;
  }
}

/** Finds the key a parameter names, without authorization or a state check. */
export async function findKey(ctx: OperationContext, value: string, options: Pick<ResolveOptions, 'allowAlias'>): Promise<KeyRecord> {
  return (await locateKey(ctx, value, options)).key;
}

async function locateKey(
  ctx: OperationContext,
  value: string,
  { allowAlias }: Pick<ResolveOptions, 'allowAlias'>,
  readMaterial = false,
): Promise<{ key: KeyRecord; requestAlias?: string }> {
  const ref = parseKeyReference(value);
  const account = ctx.caller.account;
  switch (ref.kind) {
    case 'keyId':
      return { key: await keyOf(ctx, ref.keyId, account, readMaterial) };
    case 'keyArn':
      checkArn(ctx, ref);
      return { key: await keyOf(ctx, ref.keyId, ref.account, readMaterial) };
    case 'aliasName':
    case 'aliasArn': {
      if (!allowAlias) break;
      const aliasAccount = ref.kind === 'aliasArn' ? ref.account : account;
      if (ref.kind === 'aliasArn') checkArn(ctx, ref);
      const alias = await ctx.store.getAlias(aliasAccount, ref.aliasName);
      if (!alias && aliasAccount === account && isAwsManagedAlias(ref.aliasName)) {
        return { key: await createAwsManagedKey(ctx, ref.aliasName), requestAlias: ref.aliasName };
      }
      if (!alias) throw new NotFoundException(`Alias ${aliasArn(ctx.region, aliasAccount, ref.aliasName)} is not found.`);
      return { key: await keyOf(ctx, alias.targetKeyId, aliasAccount, readMaterial), requestAlias: ref.aliasName };
    }
  }
  throw new NotFoundException(`Invalid keyId '${value}'`);
}

/** An ARN of another region, or of another partition (`arn:aws-cn:`), names no key here. */
function checkArn(ctx: OperationContext, ref: { region: string; partition: string }): void {
  if (ref.region !== ctx.region) throw new NotFoundException(`Invalid arn ${ref.region}`);
  if (ref.partition !== PARTITION) throw new NotFoundException(`Invalid arn ${ref.partition}`);
}

async function keyOf(ctx: OperationContext, keyId: string, account: string, readMaterial: boolean): Promise<KeyRecord> {
  if (readMaterial) readMaterialsAhead(ctx, keyId);
  const key = await ctx.store.getKey(keyId);
  // A bare key id names a key of the caller's account; another account's key needs its ARN.
  if (!key || key.account !== account) {
    throw new NotFoundException(`Key '${keyArn(ctx.region, account, keyId)}' does not exist`);
  }
  return key;
}
