/**
 * The encryption context bound into a ciphertext as AAD. Canonical form: pairs sorted by key (UTF-8
 * byte order), each key and value length-prefixed, so that equal maps give equal bytes whatever order the
 * client sent them in, and no two different maps collide.
 */
export type EncryptionContext = Record<string, string>;

export function canonicalEncryptionContext(context: EncryptionContext | undefined): Buffer {
  if (!context) return EMPTY;
  const pairs = Object.entries(context).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const);
  if (pairs.length === 0) return EMPTY;
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const parts: Buffer[] = [u32(pairs.length)];
  for (const [k, v] of pairs) parts.push(u32(k.length), k, u32(v.length), v);
  return Buffer.concat(parts);
}

const EMPTY = Buffer.alloc(0);

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n);
  return b;
}
