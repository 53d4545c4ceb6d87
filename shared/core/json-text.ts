/**
 * JSON text of strings that repeat from request to request (a key ARN, an algorithm, a client's user
 * agent, the region): the last few hundred are kept, so a repeat costs a lookup instead of an escaping
 * copy. Long strings are not kept (a client chooses its user agent's length).
 */
const MAX_KEPT = 512;
const MAX_LENGTH = 512;

/** `make(value)` kept for the last few hundred values of at most MAX_LENGTH characters. */
function keptPerValue<T>(make: (value: string) => T): (value: string) => T {
  const kept = new Map<string, T>();
  return (value) => {
    let made = kept.get(value);
    if (made === undefined) {
      made = make(value);
      if (value.length <= MAX_LENGTH) {
        if (kept.size >= MAX_KEPT) kept.clear();
        kept.set(value, made);
      }
    }
    return made;
  };
}

export const repeatedJsonString: (value: string) => string = keptPerValue((value) => JSON.stringify(value));

/**
 * One member of a JSON object whose values repeat: `member(',"awsRegion":')('us-east-1')` is the UTF-8
 * bytes of `,"awsRegion":"us-east-1"`, made once per value (kept as repeatedJsonString keeps its texts).
 */
export function repeatedJsonMember(prefix: string): (value: string | null) => Buffer {
  const whenNull = Buffer.from(prefix + 'null');
  const member = keptPerValue((value) => Buffer.from(prefix + JSON.stringify(value)));
  return (value) => (value === null ? whenNull : member(value));
}
