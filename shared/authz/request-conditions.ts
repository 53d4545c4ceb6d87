/**
 * The condition context of a request (KMS and global condition keys), built lazily: the evaluator asks
 * for keys by name and only what a policy mentions is computed. Keys are matched case-insensitively, as
 * IAM does; the key part of kms:EncryptionContext:<key> also ignores case.
 */
import { isPrimary } from '../core/multi-region.js';
import type { EncryptionContext } from '../core/encryption-context.js';
import type { KeyRecord } from '../core/types.js';
import type { ContextValue } from '../policy/types.js';
import type { OperationContext } from '../context/operation-context.js';

/** What an operation knows about its request beyond the caller and the key. */
export interface RequestConditions {
  encryptionContext?: EncryptionContext;
  encryptionAlgorithm?: string;
  /** The alias the request named the key by, if any (kms:RequestAlias). */
  requestAlias?: string;
  grantTokens?: string[];
  /** Operation-specific condition keys, lower-case (e.g. "kms:schedulekeydeletionpendingwindowindays"). */
  extra?: Record<string, ContextValue>;
}

export function conditionContext(
  ctx: OperationContext,
  key: KeyRecord | undefined,
  request: RequestConditions,
): (name: string) => ContextValue {
  return (name) => {
    const lower = name.toLowerCase();
    const extra = request.extra?.[lower];
    if (extra !== undefined) return extra;
    switch (lower) {
      case 'aws:principalarn':
        return ctx.caller.principalArn;
      case 'aws:principalaccount':
      case 'kms:calleraccount':
        return ctx.caller.account;
      case 'aws:sourceip':
        return ctx.caller.sourceIp;
      case 'aws:sourcevpce':
        return ctx.caller.vpceId;
      case 'aws:currenttime':
        return ctx.clock.now();
      case 'aws:epochtime':
        return Math.floor(ctx.clock.now().getTime() / 1000);
      case 'aws:requestedregion':
        return ctx.region;
      case 'kms:encryptioncontextkeys':
        return request.encryptionContext ? Object.keys(request.encryptionContext) : undefined;
      case 'kms:encryptionalgorithm':
        return request.encryptionAlgorithm;
      case 'kms:requestalias':
        return request.requestAlias;
      case 'kms:keyspec':
      case 'kms:customermasterkeyspec':
        return key?.keySpec;
      case 'kms:keyusage':
      case 'kms:customermasterkeyusage':
        return key?.keyUsage;
      case 'kms:keyorigin':
        return key?.origin;
      case 'kms:multiregion':
        return key?.multiRegion;
      case 'kms:multiregionkeytype':
        return key?.multiRegion ? (isPrimary(key) ? 'PRIMARY' : 'REPLICA') : undefined;
    }
    if (lower.startsWith('kms:encryptioncontext:')) return contextValue(request.encryptionContext, name.slice('kms:encryptioncontext:'.length));
    return undefined;
  };
}

/** The key part of kms:EncryptionContext:<key> ignores case, as AWS documents. */
function contextValue(map: Record<string, string> | undefined, wanted: string): string | undefined {
  if (!map) return undefined;
  // Own keys only: `constructor` or `toString` must not be "present" in every context.
  if (Object.hasOwn(map, wanted)) return map[wanted];
  const lower = wanted.toLowerCase();
  for (const [k, v] of Object.entries(map)) if (k.toLowerCase() === lower) return v;
  return undefined;
}
