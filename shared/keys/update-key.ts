/**
 * Read, check, change, write conditionally (conventions §4): the pure `change` runs on the state just
 * read, and the write succeeds only if nobody changed the key meanwhile. On a lost race the whole step
 * runs again on fresh state, so the state check always applies to what is actually written over.
 */
import type { RequestConditions } from '../authz/request-conditions.js';
import type { StateCheckedOperation } from '../core/key-state.js';
import type { KeyRecord } from '../core/types.js';
import { retryOnConflict } from './conflict-retry.js';
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from './resolve-key.js';

export async function updateKey(
  ctx: OperationContext,
  keyIdParam: string,
  operation: StateCheckedOperation,
  change: (key: KeyRecord) => KeyRecord,
  conditions?: RequestConditions,
): Promise<KeyRecord> {
  return retryOnConflict(async () => {
    const key = await resolveKey(ctx, keyIdParam, operation, { allowAlias: false, conditions });
    const next = change(key);
    await ctx.store.updateKey(next);
    return next;
  });
}
