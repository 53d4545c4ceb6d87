/**
 * Checks a request body against AWS's model and decodes it (base64 blobs to Buffers, epoch-second
 * timestamps to Dates). Constraint failures are collected into one ValidationException worded as AWS
 * words them ("1 validation error detected: Value '...' at 'keyId' failed to satisfy constraint: ...");
 * a value of the wrong JSON type is a SerializationException, as AWS's JSON deserializer answers.
 * Members the model does not know are ignored, as AWS does.
 */
import { SerializationException, ValidationException } from '../errors.js';
import { shape, type Shape } from '../model/model.js';

const patternCache = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let re = patternCache.get(pattern);
  if (!re) {
    // AWS matches the whole value (Java's String.matches), anchored or not in the model.
    re = new RegExp(`^(?:${pattern})$`, 'u');
    patternCache.set(pattern, re);
  }
  return re;
}

class Collector {
  readonly failures: string[] = [];
  fail(path: string, value: string | null, rule: string): void {
    const shown = value === null ? 'Value null' : value === SENSITIVE ? 'Value' : `Value '${value}'`;
    this.failures.push(`${shown} at '${path}' failed to satisfy constraint: Member must ${rule}`);
  }
}
const SENSITIVE = '\u0000sensitive';

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

function typeError(value: unknown, expected: string): never {
  const kind =
    value === null ? 'NULL_VALUE'
    : Array.isArray(value) ? 'START_ARRAY'
    : typeof value === 'object' ? 'START_OBJECT'
    : typeof value === 'string' ? 'STRING_VALUE'
    : typeof value === 'number' ? 'NUMBER_VALUE'
    : 'BOOLEAN_VALUE';
  throw new SerializationException(`${kind} can not be converted to ${expected}`);
}

/** Standard padded base64: whole 4-character groups, padding only at the end (cheaper than a grouped regex). */
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;
const isBase64 = (value: string) => value.length % 4 === 0 && BASE64_CHARS.test(value);

function decode(value: unknown, s: Shape, path: string, out: Collector, sensitiveParent: boolean): unknown {
  const sensitive = sensitiveParent || s.sensitive === true;
  switch (s.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) typeError(value, 'a Structure');
      const input = value as Record<string, unknown>;
      const result: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(s.members ?? {})) {
        const member = input[name];
        const memberPath = path ? `${path}.${lowerFirst(name)}` : lowerFirst(name);
        if (member === undefined || member === null) {
          if (s.required?.includes(name)) out.fail(memberPath, null, 'not be null');
          continue;
        }
        result[name] = decode(member, shape(ref.shape), memberPath, out, sensitive);
      }
      return result;
    }
    case 'string': {
      if (typeof value !== 'string') typeError(value, 'a String');
      const shown = sensitive ? SENSITIVE : value;
      if (s.enum && !s.enum.includes(value)) out.fail(path, shown, `satisfy enum value set: [${s.enum.join(', ')}]`);
      lengthChecks(value.length, s, path, shown, out);
      if (s.pattern && !compiled(s.pattern).test(value)) {
        out.fail(path, shown, `satisfy regular expression pattern: ${s.pattern}`);
      }
      return value;
    }
    case 'blob': {
      if (typeof value !== 'string') typeError(value, 'a ByteBuffer');
      if (!isBase64(value)) throw new SerializationException('Base64 encoded value is not valid');
      const bytes = Buffer.from(value, 'base64');
      const shown = sensitive ? SENSITIVE : `java.nio.HeapByteBuffer[pos=0 lim=${bytes.length} cap=${bytes.length}]`;
      lengthChecks(bytes.length, s, path, shown, out);
      return bytes;
    }
    case 'integer':
    case 'long': {
      if (typeof value !== 'number' || !Number.isInteger(value)) typeError(value, 'an Integer');
      const shown = sensitive ? SENSITIVE : String(value);
      if (s.min !== undefined && value < s.min) out.fail(path, shown, `have value greater than or equal to ${s.min}`);
      if (s.max !== undefined && value > s.max) out.fail(path, shown, `have value less than or equal to ${s.max}`);
      return value;
    }
    case 'double': {
      if (typeof value !== 'number') typeError(value, 'a Double');
      return value;
    }
    case 'boolean': {
      if (typeof value !== 'boolean') typeError(value, 'a Boolean');
      return value;
    }
    case 'timestamp': {
      if (typeof value !== 'number') typeError(value, 'a Date');
      return new Date(value * 1000);
    }
    case 'list': {
      if (!Array.isArray(value)) typeError(value, 'a List');
      lengthChecks(value.length, s, path, sensitive ? SENSITIVE : `[${value.map(shownMember).join(', ')}]`, out);
      const member = shape(s.member!.shape);
      return value.map((item, i) => decode(item, member, `${path}.${i + 1}.member`, out, sensitive));
    }
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) typeError(value, 'a Map');
      const keyShape = shape(s.key!.shape);
      const valueShape = shape(s.value!.shape);
      // A map's keys are the client's data: `__proto__`, `constructor` or `toString` must stay keys
      // (an assignment into `{}` would drop `__proto__` and change the object's prototype instead).
      const result: Record<string, unknown> = Object.create(null);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        decode(k, keyShape, `${path}.${k}`, out, sensitive);
        if (v === null || v === undefined) typeError(v, 'a String');
        result[k] = decode(v, valueShape, `${path}.${k}`, out, sensitive);
      }
      return result;
    }
  }
}

/**
 * A list member as a validation message shows it. Never through the member's own toString: a client's
 * object may have a member named `toString` (or `valueOf`) that is not a function.
 */
function shownMember(value: unknown): string {
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function lengthChecks(length: number, s: Shape, path: string, shown: string, out: Collector): void {
  if (s.min !== undefined && length < s.min) out.fail(path, shown, `have length greater than or equal to ${s.min}`);
  if (s.max !== undefined && length > s.max) out.fail(path, shown, `have length less than or equal to ${s.max}`);
}

/** Validates and decodes an operation's input; throws ValidationException or SerializationException. */
export function decodeInput<T>(inputShape: string | undefined, body: unknown): T {
  if (!inputShape) return {} as T;
  const out = new Collector();
  const decoded = decode(body, shape(inputShape), '', out, false);
  if (out.failures.length > 0) {
    const n = out.failures.length;
    throw new ValidationException(`${n} validation error${n === 1 ? '' : 's'} detected: ${out.failures.join('; ')}`);
  }
  return decoded as T;
}

/** Response encoding: Buffers to base64, Dates to epoch seconds, undefined members dropped. */
export function encodeOutput(value: unknown): unknown {
  if (value === undefined || value === null) return undefined;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof Date) return value.getTime() / 1000;
  if (Array.isArray(value)) return value.map(encodeOutput);
  if (typeof value === 'object') {
    // Null prototype: a map key `__proto__` (an encryption context, say) is written back as a key.
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) {
      const encoded = encodeOutput(v);
      if (encoded !== undefined) out[k] = encoded;
    }
    return out;
  }
  return value;
}
