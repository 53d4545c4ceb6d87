/** ListAliases: https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html */
import { aliasArn } from '../core/ids.js';
import { decodeMarker, pageLimit, pageResult } from '../core/pagination.js';
import type { AliasRecord } from '../core/types.js';
import { aliasListEntry } from '../keys/alias-rules.js';
import { predefinedAwsManagedAliases } from '../keys/aws-managed-key.js';
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from '../keys/resolve-key.js';

export interface ListAliasesRequest {
  KeyId?: string;
  Limit?: number;
  Marker?: string;
}

export async function listAliases(input: ListAliasesRequest, ctx: OperationContext) {
  const limit = pageLimit(input.Limit, 100, 50);
  const after = decodeMarker(input.Marker);
  if (input.KeyId) {
    const { keyId } = await resolveKey(ctx, input.KeyId, 'ListAliases', { allowAlias: false });
    const page = await ctx.store.listAliasesOfKey(keyId, limit, after);
    const { items, ...paging } = pageResult(page.items, page.next);
    return { Aliases: items.map((alias) => aliasListEntry(ctx, alias)), ...paging };
  }
  const page = await ctx.store.listAliases(ctx.caller.account, limit, after);
  const merged = withPredefined(page.items, page.next, limit, after);
  const { items, ...paging } = pageResult(merged.items, merged.next);
  return {
    Aliases: items.map((item) => (typeof item === 'string' ? predefinedEntry(ctx, item) : aliasListEntry(ctx, item))),
    ...paging,
  };
}

/**
 * The account-wide listing is the stored aliases plus every predefined `alias/aws/<service>` that has no
 * stored alias yet (its AWS managed key does not exist), in AliasName order. `stored` is the store's page
 * of up to `limit` aliases after `after`, and `storedNext` is set when more stored aliases follow it. The
 * marker stays the last AliasName returned, so the next page starts after it in both lists.
 *
 * When the store has more, `stored` is full, so the page ends at or before its last name: every
 * predefined name the page could hold lies within the range the store just read, which tells whether
 * it is stored. When the store has no more, it read everything after `after`. No other read is needed.
 */
function withPredefined(stored: AliasRecord[], storedNext: string | undefined, limit: number, after: string | undefined) {
  const storedNames = new Set(stored.map((alias) => alias.aliasName));
  const merged: (AliasRecord | string)[] = [...stored];
  for (const name of predefinedAwsManagedAliases) {
    if ((after === undefined || name > after) && !storedNames.has(name)) merged.push(name);
  }
  if (merged.length === stored.length) return { items: stored, next: storedNext };
  const nameOf = (item: AliasRecord | string) => (typeof item === 'string' ? item : item.aliasName);
  merged.sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
  const items = merged.slice(0, limit);
  const more = storedNext !== undefined || merged.length > limit;
  return { items, next: more ? nameOf(items[items.length - 1]!) : undefined };
}

/** A predefined AWS managed alias whose key does not exist yet: no TargetKeyId and no dates (as in AWS). */
function predefinedEntry(ctx: OperationContext, aliasName: string) {
  return { AliasName: aliasName, AliasArn: aliasArn(ctx.region, ctx.caller.account, aliasName) };
}
