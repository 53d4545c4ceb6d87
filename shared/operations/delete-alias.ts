/** DeleteAlias: https://docs.aws.amazon.com/kms/latest/APIReference/API_DeleteAlias.html */
import { authorize } from '../authz/authorize.js';
import { ConditionFailedError } from '../store/ports.js';
import { checkAliasName, existingAlias } from '../keys/alias-rules.js';
import type { OperationContext } from '../context/operation-context.js';

export async function deleteAlias(input: { AliasName: string }, ctx: OperationContext): Promise<void> {
  checkAliasName(input.AliasName);
  const alias = await existingAlias(ctx, input.AliasName);
  const target = await ctx.store.getKey(alias.targetKeyId);
  if (target) await authorize(ctx, target, 'kms:DeleteAlias');
  try {
    await ctx.store.deleteAlias(ctx.caller.account, input.AliasName);
  } catch (error) {
    if (!(error instanceof ConditionFailedError)) throw error;
    await existingAlias(ctx, input.AliasName); // deleted meanwhile: answer as if it never existed
  }
}
