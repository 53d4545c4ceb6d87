/**
 * The one resolver for every way a request names a key (key id, key ARN, alias name, alias ARN), with
 * AWS's NotFoundException wording, followed by the key-state check of the operation (conventions §6).
 */
import { aliasArn, keyArn, parseKeyReference } from '../core/ids.js';
import { checkKeyState, type StateCheckedOperation } from '../core/key-state.js';
import type { KeyRecord } from '../core/types.js';
import { NotFoundException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';

export interface ResolveOptions {
  /** Whether the operation accepts an alias name or alias ARN (the "A" operations of KMS-REFERENCE §1). */
  allowAlias: boolean;
}

export async function resolveKey(
  ctx: OperationContext,
  value: string,
  operation: StateCheckedOperation,
  options: ResolveOptions,
): Promise<KeyRecord> {
  const key = await findKey(ctx, value, options);
  checkKeyState(key, operation);
  return key;
}

/** Finds the key a parameter names, without a state check. */
export async function findKey(ctx: OperationContext, value: string, { allowAlias }: ResolveOptions): Promise<KeyRecord> {
  const ref = parseKeyReference(value);
  const account = ctx.caller.account;
  switch (ref.kind) {
    case 'keyId':
      return keyOf(ctx, ref.keyId, account);
    case 'keyArn':
      checkRegion(ctx, ref.region);
      return keyOf(ctx, ref.keyId, ref.account);
    case 'aliasName':
    case 'aliasArn': {
      if (!allowAlias) break;
      const aliasAccount = ref.kind === 'aliasArn' ? ref.account : account;
      if (ref.kind === 'aliasArn') checkRegion(ctx, ref.region);
      const alias = await ctx.store.getAlias(aliasAccount, ref.aliasName);
      if (!alias) throw new NotFoundException(`Alias ${aliasArn(ctx.region, aliasAccount, ref.aliasName)} is not found.`);
      return keyOf(ctx, alias.targetKeyId, aliasAccount);
    }
  }
  throw new NotFoundException(`Invalid keyId '${value}'`);
}

function checkRegion(ctx: OperationContext, region: string): void {
  if (region !== ctx.region) throw new NotFoundException(`Invalid arn ${region}`);
}

async function keyOf(ctx: OperationContext, keyId: string, account: string): Promise<KeyRecord> {
  const key = await ctx.store.getKey(keyId);
  // A key of another account is invisible here; cross-account use by ARN arrives with key policies.
  if (!key || key.account !== account) {
    throw new NotFoundException(`Key '${keyArn(ctx.region, account, keyId)}' does not exist`);
  }
  return key;
}
