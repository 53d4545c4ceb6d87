/** ListResourceTags: https://docs.aws.amazon.com/kms/latest/APIReference/API_ListResourceTags.html */
import { decodeMarker, pageLimit, pageResult } from '../core/pagination.js';
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from '../keys/resolve-key.js';

export async function listResourceTags(input: { KeyId: string; Limit?: number; Marker?: string }, ctx: OperationContext) {
  const limit = pageLimit(input.Limit, 50, 50);
  const after = decodeMarker(input.Marker);
  const key = await resolveKey(ctx, input.KeyId, 'ListResourceTags', { allowAlias: false });
  const remaining = Object.keys(key.tags)
    .sort()
    .filter((k) => after === undefined || k > after);
  const pageKeys = remaining.slice(0, limit);
  const next = remaining.length > limit ? pageKeys[pageKeys.length - 1] : undefined;
  const { items, ...paging } = pageResult(pageKeys, next);
  return { Tags: items.map((k) => ({ TagKey: k, TagValue: key.tags[k]! })), ...paging };
}
