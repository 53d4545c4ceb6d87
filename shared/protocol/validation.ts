/**
 * Checks a request body against AWS's model and decodes it (base64 blobs to Buffers, epoch-second
 * timestamps to Dates). Constraint failures are collected into one ValidationException worded as AWS
 * words them ("1 validation error detected: Value '...' at 'keyId' failed to satisfy constraint: ...");
 * a value of the wrong JSON type is a SerializationException, as AWS's JSON deserializer answers.
 * Members the model does not know are ignored, as AWS does.
 */
import { SerializationException, ValidationException } from '../errors.js';
import { shape, type Shape } from '../model/model.js';
import { dataRecord } from '../core/data-record.js';
import { repeatedJsonString } from '../core/json-text.js';

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

/**
 * The bytes of standard padded base64 (whole 4-character groups, padding only at the end), else
 * undefined. Decoded first and checked after, which costs a fraction of a regex over the text: Node's
 * decoder skips what is not in the alphabet and does not count inner padding, so any such character
 * leaves fewer bytes than the text's length promises; it also takes the URL alphabet's `-` and `_`,
 * which AWS refuses, so those are looked for.
 */
function decodeBase64(value: string): Buffer | undefined {
  if (value.length % 4 !== 0) return undefined;
  const padding = value.charCodeAt(value.length - 1) !== 61 ? 0 : value.charCodeAt(value.length - 2) === 61 ? 2 : 1;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length !== (value.length / 4) * 3 - padding || value.includes('-') || value.includes('_')) return undefined;
  return bytes;
}

/** Checks and decodes one value of a shape; `path` is where it is, as AWS names it in its messages. */
type Decoder = (value: unknown, path: string, out: Collector, sensitiveParent: boolean) => unknown;

/**
 * One decoder per shape, built from the model on first use: the members, their wire names, the enum
 * sets, patterns and messages are worked out once, not walked again for every request. The messages
 * shown for a value are made only when a check fails.
 */
const decoderOf = perShape<Decoder>((s) => compile(s));

/** `build` made once per shape, on first use (a shape's members may name the shape itself: built lazily). */
function perShape<T>(build: (s: Shape) => T): (s: Shape) => T {
  const built = new Map<Shape, T>();
  return (s) => {
    let value = built.get(s);
    if (value === undefined) {
      value = build(s);
      built.set(s, value);
    }
    return value;
  };
}

function compile(s: Shape): Decoder {
  const own = s.sensitive === true;
  switch (s.type) {
    case 'structure': {
      const required = new Set(s.required ?? []);
      const members = Object.entries(s.members ?? {}).map(([name, ref]) => ({
        name,
        wire: lowerFirst(name),
        required: required.has(name),
        shape: shape(ref.shape),
        decode: undefined as Decoder | undefined, // resolved on first use: shapes may nest themselves
      }));
      return (value, path, out, sensitiveParent) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) typeError(value, 'a Structure');
        const sensitive = sensitiveParent || own;
        const input = value as Record<string, unknown>;
        const result: Record<string, unknown> = {};
        for (const m of members) {
          const member = input[m.name];
          if (member === undefined || member === null) {
            if (m.required) out.fail(path ? `${path}.${m.wire}` : m.wire, null, 'not be null');
            continue;
          }
          result[m.name] = (m.decode ??= decoderOf(m.shape))(member, path ? `${path}.${m.wire}` : m.wire, out, sensitive);
        }
        return result;
      };
    }
    case 'string': {
      const allowed = s.enum ? new Set(s.enum) : undefined;
      const enumRule = s.enum ? `satisfy enum value set: [${s.enum.join(', ')}]` : '';
      const pattern = s.pattern ? compiled(s.pattern) : undefined;
      const patternRule = `satisfy regular expression pattern: ${s.pattern}`;
      return (value, path, out, sensitiveParent) => {
        if (typeof value !== 'string') typeError(value, 'a String');
        const shown = sensitiveParent || own ? SENSITIVE : value;
        if (allowed && !allowed.has(value)) out.fail(path, shown, enumRule);
        lengthChecks(value.length, s, path, shown, out);
        if (pattern && !pattern.test(value)) out.fail(path, shown, patternRule);
        return value;
      };
    }
    case 'blob':
      return (value, path, out, sensitiveParent) => {
        if (typeof value !== 'string') typeError(value, 'a ByteBuffer');
        const bytes = decodeBase64(value);
        if (!bytes) throw new SerializationException('Base64 encoded value is not valid');
        if (outsideLength(bytes.length, s)) {
          lengthChecks(bytes.length, s, path, sensitiveParent || own ? SENSITIVE : `java.nio.HeapByteBuffer[pos=0 lim=${bytes.length} cap=${bytes.length}]`, out);
        }
        return bytes;
      };
    case 'integer':
    case 'long':
      return (value, path, out, sensitiveParent) => {
        if (typeof value !== 'number' || !Number.isInteger(value)) typeError(value, 'an Integer');
        const shown = sensitiveParent || own ? SENSITIVE : String(value);
        if (s.min !== undefined && value < s.min) out.fail(path, shown, `have value greater than or equal to ${s.min}`);
        if (s.max !== undefined && value > s.max) out.fail(path, shown, `have value less than or equal to ${s.max}`);
        return value;
      };
    case 'double':
      return (value) => {
        if (typeof value !== 'number') typeError(value, 'a Double');
        return value;
      };
    case 'boolean':
      return (value) => {
        if (typeof value !== 'boolean') typeError(value, 'a Boolean');
        return value;
      };
    case 'timestamp':
      return (value) => {
        if (typeof value !== 'number') typeError(value, 'a Date');
        return new Date(value * 1000);
      };
    case 'list': {
      const memberShape = shape(s.member!.shape);
      return (value, path, out, sensitiveParent) => {
        if (!Array.isArray(value)) typeError(value, 'a List');
        const sensitive = sensitiveParent || own;
        if (outsideLength(value.length, s)) lengthChecks(value.length, s, path, sensitive ? SENSITIVE : `[${value.map(shownMember).join(', ')}]`, out);
        const member = decoderOf(memberShape);
        return value.map((item, i) => member(item, `${path}.${i + 1}.member`, out, sensitive));
      };
    }
    case 'map': {
      const keyShape = shape(s.key!.shape);
      const valueShape = shape(s.value!.shape);
      return (value, path, out, sensitiveParent) => {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) typeError(value, 'a Map');
        const sensitive = sensitiveParent || own;
        const decodeKey = decoderOf(keyShape);
        const decodeValue = decoderOf(valueShape);
        // A map's keys are the client's data: `__proto__`, `constructor` or `toString` must stay keys
        // (an assignment into `{}` would drop `__proto__` and change the object's prototype instead).
        const result = dataRecord<unknown>();
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          decodeKey(k, `${path}.${k}`, out, sensitive);
          if (v === null || v === undefined) typeError(v, 'a String');
          result[k] = decodeValue(v, `${path}.${k}`, out, sensitive);
        }
        return result;
      };
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

/** Whether a length breaks the shape's bounds (a blob's or list's message text is made only then). */
const outsideLength = (length: number, s: Shape) => (s.min !== undefined && length < s.min) || (s.max !== undefined && length > s.max);

/** `shown`: the value as the message shows it. */
function lengthChecks(length: number, s: Shape, path: string, shown: string, out: Collector): void {
  if (s.min !== undefined && length < s.min) out.fail(path, shown, `have length greater than or equal to ${s.min}`);
  if (s.max !== undefined && length > s.max) out.fail(path, shown, `have length less than or equal to ${s.max}`);
}

/** Validates and decodes an operation's input; throws ValidationException or SerializationException. */
export function decodeInput<T>(inputShape: string | undefined, body: unknown): T {
  if (!inputShape) return {} as T;
  const out = new Collector();
  const decoded = decoderOf(shape(inputShape))(body, '', out, false);
  if (out.failures.length > 0) {
    const n = out.failures.length;
    throw new ValidationException(`${n} validation error${n === 1 ? '' : 's'} detected: ${out.failures.join('; ')}`);
  }
  return decoded as T;
}

/**
 * The response body: the output written as JSON text directly, Buffers as base64, Dates as epoch
 * seconds, undefined and null members dropped. (No intermediate object: a large blob's base64 is not
 * scanned again by JSON.stringify, it needs no escaping.) With the output's shape, through an encoder
 * built once from the model (below); the text is the same either way.
 */
export function outputJson(value: object, outputShape?: string): string {
  return (outputShape ? encoderOf(shape(outputShape))(value) : jsonOf(value)) ?? '{}';
}

/** Writes one value of a shape as JSON text; undefined for a member that is left out. */
type Encoder = (value: unknown) => string | undefined;

/**
 * One encoder per shape, built from the model on first use, as the decoders are: a structure knows its
 * members' JSON names and their encoders, a string or blob member skips the generic type tests. What
 * the model does not describe (a member it lacks, a value of another type) is written by jsonOf, so the
 * text never depends on which path wrote it.
 */
const encoderOf = perShape<Encoder>((s) => compileEncoder(s));

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array) && !(value instanceof Date);

function compileEncoder(s: Shape): Encoder {
  switch (s.type) {
    case 'structure': {
      const members = new Map(
        Object.entries(s.members ?? {}).map(([name, ref]) => [name, { key: `${JSON.stringify(name)}:`, shape: shape(ref.shape), encode: undefined as Encoder | undefined }]),
      );
      return (value) => {
        if (!isRecord(value)) return jsonOf(value);
        // Own keys only, in the output's order, as jsonOf writes them.
        let text = '';
        for (const name of Object.keys(value)) {
          const member = members.get(name);
          const encoded = member ? (member.encode ??= encoderOf(member.shape))(value[name]) : jsonOf(value[name]);
          if (encoded !== undefined) text += `${text === '' ? '' : ','}${member ? member.key : `${repeatedJsonString(name)}:`}${encoded}`;
        }
        return `{${text}}`;
      };
    }
    case 'string':
      return (value) => (typeof value === 'string' ? repeatedJsonString(value) : jsonOf(value));
    case 'blob':
      return (value) => (Buffer.isBuffer(value) ? `"${value.toString('base64')}"` : jsonOf(value));
    case 'list': {
      const memberShape = shape(s.member!.shape);
      return (value) => {
        if (!Array.isArray(value)) return jsonOf(value);
        const member = encoderOf(memberShape);
        return `[${value.map((item) => member(item) ?? 'null').join(',')}]`;
      };
    }
    default:
      return jsonOf;
  }
}

/** `value` as JSON text, or undefined for a member that is left out. */
function jsonOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  // Strings here are ids, ARNs, names and enum values (plaintext is a blob, a Buffer), most the same
  // request after request.
  if (typeof value === 'string') return repeatedJsonString(value);
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Buffer.isBuffer(value)) return `"${value.toString('base64')}"`;
  // A view of the same bytes, not a copy.
  if (value instanceof Uint8Array) return `"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"`;
  if (value instanceof Date) return JSON.stringify(value.getTime() / 1000);
  if (Array.isArray(value)) return `[${value.map((item) => jsonOf(item) ?? 'null').join(',')}]`;
  // Own keys only, and every one of them: a map key `__proto__` (an encryption context, say) is written back as a key.
  let text = '';
  for (const key of Object.keys(value)) {
    const member = jsonOf((value as Record<string, unknown>)[key]);
    if (member !== undefined) text += `${text === '' ? '' : ','}${repeatedJsonString(key)}:${member}`;
  }
  return `{${text}}`;
}
