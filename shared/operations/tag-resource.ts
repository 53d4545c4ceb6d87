/** TagResource: https://docs.aws.amazon.com/kms/latest/APIReference/API_TagResource.html */
import { applyTags, type Tag } from '../core/tags.js';
import type { OperationContext } from '../context/operation-context.js';
import { updateKey } from '../keys/update-key.js';

export async function tagResource(input: { KeyId: string; Tags: Tag[] }, ctx: OperationContext): Promise<void> {
  await updateKey(
    ctx,
    input.KeyId,
    'TagResource',
    (key) => ({ ...key, tags: applyTags(key.tags, input.Tags), revision: key.revision + 1 }),
    { extra: requestTagConditions(input.Tags) },
  );
}

/** aws:RequestTag/<key> and aws:TagKeys of a request that sets tags (condition keys are lower-case here). */
export function requestTagConditions(tags: Tag[]): Record<string, string | string[]> {
  const extra: Record<string, string | string[]> = { 'aws:tagkeys': tags.map((t) => t.TagKey) };
  for (const { TagKey, TagValue } of tags) extra[`aws:requesttag/${TagKey.toLowerCase()}`] = TagValue;
  return extra;
}
