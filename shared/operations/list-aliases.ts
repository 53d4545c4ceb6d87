/** ListAliases: https://docs.aws.amazon.com/kms/latest/APIReference/API_ListAliases.html */
import { decodeMarker, pageLimit, pageResult } from '../core/pagination.js';
import { aliasListEntry } from '../keys/alias-rules.js';
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
  const page = input.KeyId
    ? await ctx.store.listAliasesOfKey((await resolveKey(ctx, input.KeyId, 'ListAliases', { allowAlias: false })).keyId, limit, after)
    : await ctx.store.listAliases(ctx.caller.account, limit, after);
  const { items, ...paging } = pageResult(page.items, page.next);
  return { Aliases: items.map((alias) => aliasListEntry(ctx, alias)), ...paging };
}
