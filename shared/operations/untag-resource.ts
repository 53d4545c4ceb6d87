/** UntagResource: https://docs.aws.amazon.com/kms/latest/APIReference/API_UntagResource.html */
import { removeTags } from '../core/tags.js';
import type { OperationContext } from '../context/operation-context.js';
import { updateKey } from '../keys/update-key.js';

export async function untagResource(input: { KeyId: string; TagKeys: string[] }, ctx: OperationContext): Promise<void> {
  await updateKey(
    ctx,
    input.KeyId,
    'UntagResource',
    (key) => ({ ...key, tags: removeTags(key.tags, input.TagKeys), revision: key.revision + 1 }),
    { extra: { 'aws:tagkeys': input.TagKeys } },
  );
}
