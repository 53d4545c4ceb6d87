/**
 * JSON text of strings that repeat from request to request (a key ARN, an algorithm, a client's user
 * agent, the region): the last few hundred are kept, so a repeat costs a lookup instead of an escaping
 * copy. Long strings are not kept (a client chooses its user agent's length).
 */
const MAX_KEPT = 512;
const MAX_LENGTH = 512;
const texts = new Map<string, string>();

export function repeatedJsonString(value: string): string {
  let text = texts.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    if (value.length <= MAX_LENGTH) {
      if (texts.size >= MAX_KEPT) texts.clear();
      texts.set(value, text);
    }
  }
  return text;
}

/**
 * One member of a JSON object whose values repeat: `member(',"awsRegion":')('us-east-1')` is the UTF-8
 * bytes of `,"awsRegion":"us-east-1"`, made once per value (kept as repeatedJsonString keeps its texts).
 */
export function repeatedJsonMember(prefix: string): (value: string | null) => Buffer {
  const kept = new Map<string, Buffer>();
  const whenNull = Buffer.from(prefix + 'null');
  return (value) => {
    if (value === null) return whenNull;
    let bytes = kept.get(value);
    if (bytes === undefined) {
      bytes = Buffer.from(prefix + JSON.stringify(value));
      if (value.length <= MAX_LENGTH) {
        if (kept.size >= MAX_KEPT) kept.clear();
        kept.set(value, bytes);
      }
    }
    return bytes;
  };
}

