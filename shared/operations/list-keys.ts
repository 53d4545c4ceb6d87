/** ListKeys: https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html */
import { keyArn } from '../core/ids.js';
import { decodeMarker, pageLimit, pageResult } from '../core/pagination.js';
import type { OperationContext } from '../context/operation-context.js';

export interface ListKeysRequest {
  Limit?: number;
  Marker?: string;
}

export async function listKeys(input: ListKeysRequest, ctx: OperationContext) {
  const limit = pageLimit(input.Limit, 1000, 100);
  const page = await ctx.store.listKeys(ctx.caller.account, limit, decodeMarker(input.Marker));
  const { items, ...paging } = pageResult(page.items, page.next);
  return { Keys: items.map((keyId) => ({ KeyId: keyId, KeyArn: keyArn(ctx.region, ctx.caller.account, keyId) })), ...paging };
}
