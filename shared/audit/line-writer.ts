/**
 * JSON lines as UTF-8 bytes, appended to one buffer that grows when it must and is reused after
 * `reset()` (the local audit trail's group commit). A record's pieces that repeat (its caller's identity,
 * its key, the user agent) are copied in as bytes made once (`bytes`); what changes from record to
 * record is written as JSON straight into the buffer (`json`), without a string in between.
 *
 * Why not JSON.stringify and Buffer.write: under load, with the caches cold between requests, each call
 * into V8's C++ serializer and each UTF-8 encoding of a built string costs about a microsecond; this
 * JavaScript writes the same small values for a fraction of that (`npm run bench -- profile`).
 */
import { isDataRecord } from '../core/data-record.js';

const QUOTE = 0x22;

export class LineWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(size = 16 * 1024) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  bytes(piece: Uint8Array): void {
    this.room(piece.length);
    this.buffer.set(piece, this.length);
    this.length += piece.length;
  }

  /** Text of any characters, as UTF-8. */
  text(piece: string): void {
    this.room(piece.length * 3); // UTF-8 needs at most 3 bytes per UTF-16 unit
    this.length += this.buffer.write(piece, this.length, 'utf8');
  }

  /** Text known to be ASCII (a UUID, a number's digits). */
  ascii(piece: string): void {
    this.room(piece.length);
    const buffer = this.buffer;
    let at = this.length;
    for (let i = 0; i < piece.length; i++) buffer[at++] = piece.charCodeAt(i);
    this.length = at;
  }

  /**
   * JSON.stringify(value)'s text (tests/unit/line-writer.test.ts). Plain data (strings, numbers,
   * booleans, null, arrays, plain objects and data records of them) is written here; anything else (a
   * Date, a class instance, an object with toJSON) as JSON.stringify writes it. Not for undefined.
   */
  json(value: unknown): void {
    if (!this.plain(value)) this.text(JSON.stringify(value) ?? 'null');
  }

  /**
   * One member of an object as JSON.stringify writes it: `prefix` (`"name":`, or `,"name":` after
   * another) and the value's JSON. Writes nothing and says so when JSON.stringify would leave the
   * member out (undefined, a function, a symbol, a toJSON giving undefined). The prefix is made once per
   * member name (the redaction plan's): names that vary, such as a map's keys, are written by json.
   */
  member(prefix: Uint8Array, value: unknown): boolean {
    // JSON.stringify leaves these members out.
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return false;
    const start = this.length;
    this.bytes(prefix);
    return this.plain(value) || this.stringified(keyOfPrefix(prefix), value, start);
  }

  /** Ends the line. */
  newline(): void {
    this.room(1);
    this.buffer[this.length++] = 0x0a;
  }

  /** What was written since the last reset (a view: valid until the next write or reset). */
  contents(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  get size(): number {
    return this.length;
  }

  reset(): this {
    this.length = 0;
    return this;
  }

  /** Drops what was written after the first `size` bytes (a line whose encoding failed midway). */
  truncate(size: number): void {
    if (size < this.length) this.length = size;
  }

  /** A string in quotes, byte for byte while it is printable ASCII; else JSON.stringify's escaped text. */
  private jsonString(value: string): void {
    this.room(value.length + 2);
    const buffer = this.buffer;
    let at = this.length;
    buffer[at++] = QUOTE;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x20 || c === QUOTE || c === 0x5c || c > 0x7f) return this.text(JSON.stringify(value)); // from this.length again
      buffer[at++] = c;
    }
    buffer[at++] = QUOTE;
    this.length = at;
  }

  /** Writes a plain value and says so; writes nothing for any other. */
  private plain(value: unknown): boolean {
    switch (typeof value) {
      case 'string':
        this.jsonString(value);
        return true;
      case 'boolean':
        this.ascii(value ? 'true' : 'false');
        return true;
      case 'number':
        this.ascii(Number.isFinite(value) ? String(value) : 'null');
        return true;
      case 'object':
        if (value === null) this.ascii('null');
        else if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype && !hasToJson(value)) this.jsonArray(value);
        else if (isPlainObject(value)) this.jsonObject(value as Record<string, unknown>);
        else return false;
        return true;
      default:
        return false;
    }
  }

  private jsonObject(value: Record<string, unknown>): void {
    this.ascii('{');
    let first = true;
    // Own enumerable string keys, in JSON.stringify's order (for-in gives own keys in that order).
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const member = value[key];
      // JSON.stringify leaves these members out.
      if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
      const start = this.length;
      if (!first) this.ascii(',');
      this.jsonString(key);
      this.ascii(':');
      if (this.plain(member) || this.stringified(key, member, start)) first = false;
    }
    this.ascii('}');
  }

  /** A member's value that is not plain data, as JSON.stringify writes it; when it leaves the member out, back to `start`. */
  private stringified(key: string, value: unknown, start: number): boolean {
    const text = stringifiedAt(key, value);
    if (text === undefined) {
      this.length = start; // its toJSON left it out
      return false;
    }
    this.text(text);
    return true;
  }

  private jsonArray(value: unknown[]): void {
    this.ascii('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) this.ascii(',');
      const item = value[i];
      // JSON.stringify writes these items as null.
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') this.ascii('null');
      else if (!this.plain(item)) this.text(stringifiedAt(String(i), item) ?? 'null');
    }
    this.ascii(']');
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}

/** The member name in a `"name":` or `,"name":` prefix (a toJSON is given its key). */
function keyOfPrefix(prefix: Uint8Array): string {
  const text = Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength).toString('utf8');
  return JSON.parse(text.slice(text.startsWith(',') ? 1 : 0, -1)) as string;
}

/** A value's text as JSON.stringify writes it as the member `key` (its toJSON gets the key), or undefined when left out. */
function stringifiedAt(key: string, value: unknown): string | undefined {
  const wrapped = JSON.stringify({ [key]: value });
  return wrapped === '{}' ? undefined : wrapped.slice(JSON.stringify(key).length + 2, -1);
}

const hasToJson = (value: object) => typeof (value as { toJSON?: unknown }).toJSON === 'function';

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return (prototype === Object.prototype || prototype === null || isDataRecord(value)) && !hasToJson(value);
}
