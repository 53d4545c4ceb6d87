/** Tag rules of KMS (KMS-REFERENCE §4); lengths are checked by the model validator before this. */
import { TagException } from '../errors.js';

export const MAX_TAGS = 50;

export interface Tag {
  TagKey: string;
  TagValue: string;
}

/** Checks new tags and returns the key's tags with them applied (existing keys take the new value). */
export function applyTags(current: Record<string, string>, tags: Tag[]): Record<string, string> {
  const seen = new Set<string>();
  for (const { TagKey } of tags) {
    if (seen.has(TagKey)) throw new TagException('Duplicate tag keys');
    seen.add(TagKey);
    if (TagKey.toLowerCase().startsWith('aws:')) throw new TagException('Tags beginning with aws: are reserved');
  }
  const next = { ...current };
  for (const { TagKey, TagValue } of tags) next[TagKey] = TagValue;
  if (Object.keys(next).length > MAX_TAGS) throw new TagException('Too many tags');
  return next;
}

export function removeTags(current: Record<string, string>, tagKeys: string[]): Record<string, string> {
  const next = { ...current };
  for (const k of tagKeys) {
    if (k.toLowerCase().startsWith('aws:')) throw new TagException('Tags beginning with aws: are reserved');
    delete next[k];
  }
  return next;
}
