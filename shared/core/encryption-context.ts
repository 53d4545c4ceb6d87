/**
 * The encryption context bound into a ciphertext as AAD. Canonical form: pairs sorted by key (UTF-8
 * byte order), each key and value length-prefixed, so that equal maps give equal bytes whatever order the
 * client sent them in, and no two different maps collide.
 */
export type EncryptionContext = Record<string, string>;

export function canonicalEncryptionContext(context: EncryptionContext | undefined): Buffer {
  if (!context) return EMPTY;
  const keys = Object.keys(context);
  if (keys.length === 0) return EMPTY;
  // ASCII keys (nearly all) sort the same as strings and as UTF-8 bytes: written straight into one buffer.
  if (!keys.every(isAscii)) return canonicalOfAnyKeys(context);
  keys.sort();
  let size = 4;
  for (const key of keys) size += 8 + key.length + Buffer.byteLength(context[key]!, 'utf8');
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt32BE(keys.length, 0);
  for (const key of keys) {
    at = out.writeUInt32BE(key.length, at);
    at += out.write(key, at, 'latin1');
    const value = context[key]!;
    at = out.writeUInt32BE(Buffer.byteLength(value, 'utf8'), at);
    at += out.write(value, at, 'utf8');
  }
  return out;
}

/** Any keys: each encoded to UTF-8 first, and the pairs sorted by those bytes. */
function canonicalOfAnyKeys(context: EncryptionContext): Buffer {
  const pairs = Object.entries(context).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const);
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const parts: Buffer[] = [u32(pairs.length)];
  for (const [k, v] of pairs) parts.push(u32(k.length), k, u32(v.length), v);
  return Buffer.concat(parts);
}

const ASCII = /^[\x00-\x7f]*$/;
const isAscii = (text: string) => ASCII.test(text);

const EMPTY = Buffer.alloc(0);

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n);
  return b;
}
