/**
 * Values for the shapes of AWS's KMS model, from a seeded generator (so a run can be replayed): mostly
 * plausible, sometimes at or past their bounds, sometimes of the wrong kind. The fuzz test sends them as
 * requests; the audit record's tests write them into records.
 */
import { model, type Shape } from '../../shared/model/model.js';

/** mulberry32: a small seeded PRNG, so a run can be replayed. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[int(0, items.length - 1)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
export type Rng = ReturnType<typeof prng>;

export const RESERVED = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype'];
const ODD_TEXT = ['', ' ', 'é', '😀', '\u0000', '\uFFFF', '%s%n', '../../etc/passwd', '<xml/>', '{"a":1}', 'alias/aws/s3', 'arn:aws-cn:kms:x:1:key/y', 'mrk-0', '\uD800'];

export function text(rng: Rng, length: number, ascii = false): string {
  const alphabet = !ascii && rng.chance(0.2) ? 'éß漢字😀\u0301' : 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/:';
  let out = '';
  while (out.length < length) out += alphabet[rng.int(0, alphabet.length - 1)];
  return out.slice(0, length);
}

export interface Context {
  rng: Rng;
  keyIds: string[];
}

/** A value for a shape: mostly plausible, sometimes at or past its bounds, sometimes of the wrong kind. */
export function valueOf(name: string, ctx: Context, depth: number): unknown {
  const { rng } = ctx;
  const s: Shape = model.shapes[name]!;
  if (rng.chance(0.04)) return rng.pick([null, 17, -1, 1.5, true, 'x', [], {}, [1, 2], { a: 1 }]); // the wrong kind
  switch (s.type) {
    case 'structure': {
      const out: Record<string, unknown> = {};
      if (depth > 4) return out;
      for (const [member, ref] of Object.entries(s.members ?? {})) {
        const required = s.required?.includes(member) ?? false;
        if (required ? rng.chance(0.95) : rng.chance(0.5)) out[member] = valueOf(ref.shape, ctx, depth + 1);
      }
      if (rng.chance(0.05)) Object.defineProperty(out, rng.pick(RESERVED), { value: rng.pick(['x', 1, {}, null]), enumerable: true });
      return out;
    }
    case 'string': {
      if (s.enum && rng.chance(0.85)) return rng.pick(s.enum);
      if (/KeyId|Arn|Alias/i.test(name) && ctx.keyIds.length > 0 && rng.chance(0.5)) return rng.pick(ctx.keyIds);
      if (rng.chance(0.1)) return rng.pick(ODD_TEXT);
      const min = s.min ?? 0;
      const max = Math.min(s.max ?? 64, 300);
      const length = rng.pick([min, Math.max(0, min - 1), max, max + 1, rng.int(min, max)]);
      return text(rng, length);
    }
    case 'blob': {
      if (rng.chance(0.1)) return rng.pick(['@@@@', 'AAA', 'A===', 'AB=C', '====', 'not base64!', '']);
      const min = s.min ?? 0;
      const max = Math.min(s.max ?? 64, 8192);
      const length = rng.pick([min, Math.max(0, min - 1), Math.min(max, 64), max, max + 1, rng.int(min, Math.min(max, 256))]);
      return Buffer.from(Array.from({ length }, () => rng.int(0, 255))).toString('base64');
    }
    case 'integer':
    case 'long': {
      const min = s.min ?? -5;
      const max = s.max ?? 5000;
      return rng.pick([min, min - 1, max, max + 1, rng.int(min, Math.min(max, min + 1000)), 2 ** 53, -(2 ** 31) - 1, 0.5]);
    }
    case 'double':
      return rng.pick([0, -1, 1e308, 3.14]);
    case 'boolean':
      return rng.chance(0.9) ? rng.chance(0.5) : 'true';
    case 'timestamp':
      return rng.pick([0, -1, 1e12, 1_700_000_000, 253402300800, 'yesterday']);
    case 'list': {
      if (depth > 4) return [];
      const count = rng.pick([0, 1, 2, 3, (s.max ?? 3) + 1].filter((n) => n <= 60));
      return Array.from({ length: count }, () => valueOf(s.member!.shape, ctx, depth + 1));
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      const count = rng.int(0, 3);
      for (let i = 0; i < count; i++) {
        const key = rng.chance(0.4) ? rng.pick(RESERVED) : text(rng, rng.int(0, 12));
        Object.defineProperty(out, key, { value: valueOf(s.value!.shape, ctx, depth + 1), enumerable: true, configurable: true });
      }
      return out;
    }
  }
}

