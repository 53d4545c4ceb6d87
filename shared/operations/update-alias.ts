/** UpdateAlias: https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateAlias.html */
import { authorize } from '../authz/authorize.js';
import { retryOnConflict } from '../keys/conflict-retry.js';
import { ValidationException } from '../errors.js';
import { checkAliasName, checkTargetIsKey, existingAlias } from '../keys/alias-rules.js';
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from '../keys/resolve-key.js';

export async function updateAlias(input: { AliasName: string; TargetKeyId: string }, ctx: OperationContext): Promise<void> {
  checkAliasName(input.AliasName);
  checkTargetIsKey(input.TargetKeyId);
  // Concurrent UpdateAlias calls serialize: the last writer wins, each checked against what it replaces.
  await retryOnConflict(() => moveAlias(input, ctx));
}

async function moveAlias(input: { AliasName: string; TargetKeyId: string }, ctx: OperationContext): Promise<void> {
  const alias = await existingAlias(ctx, input.AliasName);
  // The new target is checked against the key-state table; the old one may be in any state.
  const target = await resolveKey(ctx, input.TargetKeyId, 'UpdateAlias', { allowAlias: false });
  const current = await ctx.store.getKey(alias.targetKeyId);
  // Moving an alias needs kms:UpdateAlias on the key it leaves as well as on the key it moves to.
  if (current) await authorize(ctx, current, 'kms:UpdateAlias');
  if (current && (current.keySpec !== target.keySpec || current.keyUsage !== target.keyUsage)) {
    // The alias must keep naming the same kind of key (same key type and key usage).
    throw new ValidationException(
      `${target.arn} is not the same key type and key usage as the current target of ${input.AliasName}.`,
    );
  }
  // Conditional on the target it was checked against; a lost race goes round again.
  await ctx.store.updateAlias({ ...alias, targetKeyId: target.keyId, lastUpdatedDate: ctx.clock.now().getTime() }, alias.targetKeyId);
}
