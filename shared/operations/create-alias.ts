/** CreateAlias: https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html */
import { aliasArn } from '../core/ids.js';
import { AlreadyExistsException, LimitExceededException } from '../errors.js';
import { ConditionFailedError } from '../store/ports.js';
import { checkAliasName, checkTargetIsKey } from '../keys/alias-rules.js';
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from '../keys/resolve-key.js';

export const MAX_ALIASES_PER_KEY = 50;

export async function createAlias(input: { AliasName: string; TargetKeyId: string }, ctx: OperationContext): Promise<void> {
  checkAliasName(input.AliasName);
  checkTargetIsKey(input.TargetKeyId);
  const key = await resolveKey(ctx, input.TargetKeyId, 'CreateAlias', { allowAlias: false });
  const existing = await ctx.store.listAliasesOfKey(key.keyId, MAX_ALIASES_PER_KEY);
  if (existing.items.length >= MAX_ALIASES_PER_KEY) {
    throw new LimitExceededException(`Key ${key.arn} already has ${MAX_ALIASES_PER_KEY} aliases.`);
  }
  const now = ctx.clock.now().getTime();
  try {
    await ctx.store.createAlias({
      account: ctx.caller.account,
      region: ctx.region,
      aliasName: input.AliasName,
      targetKeyId: key.keyId,
      creationDate: now,
      lastUpdatedDate: now,
    });
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    throw new AlreadyExistsException(`An alias with the name ${aliasArn(ctx.region, ctx.caller.account, input.AliasName)} already exists`);
  }
}
