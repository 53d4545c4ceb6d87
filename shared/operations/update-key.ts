/**
 * Read, check, change, write conditionally (conventions §4): the pure `change` runs on the state just
 * read, and the write succeeds only if nobody changed the key meanwhile. On a lost race the whole step
 * runs again on fresh state, so the state check always applies to what is actually written over.
 */
import type { RequestConditions } from '../authz/request-conditions.js';
import type { StateCheckedOperation } from '../core/key-state.js';
import type { KeyRecord } from '../core/types.js';
import { ConditionFailedError } from '../ports.js';
import { KMSInternalException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';
import { resolveKey } from './resolve-key.js';

/** Enough for dozens of concurrent writers on one key; each lost round costs one store read. */
const ATTEMPTS = 25;

export async function updateKey(
  ctx: OperationContext,
  keyIdParam: string,
  operation: StateCheckedOperation,
  change: (key: KeyRecord) => KeyRecord,
  conditions?: RequestConditions,
): Promise<KeyRecord> {
  for (let attempt = 1; ; attempt++) {
    const key = await resolveKey(ctx, keyIdParam, operation, { allowAlias: false, conditions });
    const next = change(key);
    try {
      await ctx.store.updateKey(next);
      return next;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      if (attempt === ATTEMPTS) throw new KMSInternalException('The key was changed concurrently; try again.');
      // Spread the racers out so they do not collide again on the same revision.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * attempt * 2));
    }
  }
}
