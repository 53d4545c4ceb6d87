/**
 * An empty object for data keyed by names a client chose (headers, query parameters, an encryption
 * context): nothing is inherited, so `__proto__`, `constructor` or `toString` is a key like any other,
 * as in `Object.create(null)`. Unlike that, it starts in V8's fast mode: `Object.create(null)` makes a
 * dictionary-mode object, about twice as slow to fill and to read, and a request makes several.
 *
 * Its prototype is an empty, frozen, null-prototype object: no accessor (not even `__proto__`'s) is
 * found on the chain, so every assignment makes an own data property.
 */
const EMPTY_PROTOTYPE: object = Object.freeze(Object.create(null));

function DataRecord(this: object): void {}
DataRecord.prototype = EMPTY_PROTOTYPE;

export function dataRecord<T>(): Record<string, T> {
  return new (DataRecord as unknown as new () => Record<string, T>)();
}

/** Whether `value` was made by dataRecord(). */
export function isDataRecord(value: object): boolean {
  return Object.getPrototypeOf(value) === EMPTY_PROTOTYPE;
}
