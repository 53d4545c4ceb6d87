/**
 * Property-based fuzzing over every operation of AWS's model: a seeded generator builds requests from
 * each operation's input shape and then breaks them (wrong JSON types, lengths and numbers just past the
 * model's bounds, invalid base64, unicode, nulls, Object.prototype member names as keys and targets,
 * random targets and content types, bodies that are not JSON objects). Every answer must be an AWS-shaped
 * answer: never a 5xx, and every refusal a JSON body with an AWS `__type`. Afterwards the service still
 * does a normal round trip. Runs in a region no other test uses (its own keys and tables).
 *
 * FUZZ_SEED and FUZZ_REQUESTS change the run (the seed is printed, so a failure can be replayed).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { model, type Shape } from '../../shared/model/model.js';
import { kms, rawCall } from './helpers.js';

const REGION = 'ap-south-2';
const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2500);
const CONCURRENCY = 8;

/** mulberry32: a small seeded PRNG, so a run can be replayed. */
function prng(seed: number) {
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
type Rng = ReturnType<typeof prng>;

const RESERVED = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype'];
const ODD_TEXT = ['', ' ', 'é', '😀', '\u0000', '\uFFFF', '%s%n', '../../etc/passwd', '<xml/>', '{"a":1}', 'alias/aws/s3', 'arn:aws-cn:kms:x:1:key/y', 'mrk-0', '\uD800'];

function text(rng: Rng, length: number, ascii = false): string {
  const alphabet = !ascii && rng.chance(0.2) ? 'éß漢字😀\u0301' : 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/:';
  let out = '';
  while (out.length < length) out += alphabet[rng.int(0, alphabet.length - 1)];
  return out.slice(0, length);
}

interface Context {
  rng: Rng;
  keyIds: string[];
}

/** A value for a shape: mostly plausible, sometimes at or past its bounds, sometimes of the wrong kind. */
function valueOf(name: string, ctx: Context, depth: number): unknown {
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

interface FuzzRequest {
  target: string;
  body: string;
  contentType?: string;
  what: string;
}

function request(ctx: Context, operations: string[]): FuzzRequest {
  const { rng } = ctx;
  const operation = rng.pick(operations);
  const input = model.operations[operation]!.input;
  let target = `TrentService.${operation}`;
  let what = operation;
  if (rng.chance(0.04)) {
    target = rng.pick([`TrentService.${rng.pick(RESERVED)}`, 'TrentService.', 'TrentService', 'KMS.Encrypt', `TrentService.${text(rng, 8, true)}` /* header values are Latin-1 */, `trentservice.${operation}`, '']);
    what = `target ${JSON.stringify(target)}`;
  }
  let body = JSON.stringify(input ? valueOf(input, ctx, 0) : {});
  if (rng.chance(0.03)) {
    body = rng.pick(['', '[]', 'null', '"x"', '{', '{"a":', '12', '{}'.repeat(3), '\u0000']);
    what += ' (not a JSON object)';
  }
  let contentType: string | undefined;
  if (rng.chance(0.03)) {
    contentType = rng.pick(['application/json', 'text/plain', 'application/x-amz-json-1.0', 'application/x-amz-json-1.1; charset=utf-8', 'multipart/form-data', '']);
    what += ` (content type ${JSON.stringify(contentType)})`;
  }
  return { target, body, contentType, what };
}

describe('fuzzing every operation of the model', { timeout: 240_000 }, () => {
  test(`${REQUESTS} generated requests (seed ${SEED}): no 5xx, every refusal in AWS's error shape`, async () => {
    const setup = kms(REGION);
    const keyIds: string[] = [];
    for (const spec of ['SYMMETRIC_DEFAULT', 'RSA_2048', 'HMAC_256', 'ECC_NIST_P256'] as const) {
      const usage = spec === 'HMAC_256' ? 'GENERATE_VERIFY_MAC' : spec === 'SYMMETRIC_DEFAULT' ? 'ENCRYPT_DECRYPT' : 'SIGN_VERIFY';
      const { KeyMetadata } = await setup.createKey({ KeySpec: spec, KeyUsage: usage });
      keyIds.push(KeyMetadata!.KeyId!, KeyMetadata!.Arn!);
    }
    await setup.createAlias({ AliasName: 'alias/fuzz-target', TargetKeyId: keyIds[0]! }).catch(() => {});
    keyIds.push('alias/fuzz-target');

    const ctx: Context = { rng: prng(SEED), keyIds };
    const operations = Object.keys(model.operations).sort();
    const requests = Array.from({ length: REQUESTS }, () => request(ctx, operations));
    const problems: string[] = [];
    const seen = new Map<string, number>();
    let index = 0;
    const worker = async () => {
      while (index < requests.length) {
        const r = requests[index++]!;
        const response = await rawCall(r.target, r.body, {
          region: REGION,
          ...(r.target === '' ? { omitTarget: true } : {}),
          ...(r.contentType !== undefined ? { headers: { 'content-type': r.contentType } } : {}),
        });
        const outcome = response.status === 200 ? 'ok' : String(response.json?.__type);
        seen.set(outcome, (seen.get(outcome) ?? 0) + 1);
        if (response.status >= 500) problems.push(`${r.what}: HTTP ${response.status} ${response.text.slice(0, 200)} for ${r.body.slice(0, 300)}`);
        else if (response.status !== 200 && (typeof response.json?.__type !== 'string' || !/^[A-Z][A-Za-z]+$/.test(response.json.__type as string))) {
          problems.push(`${r.what}: HTTP ${response.status} without an AWS error body: ${response.text.slice(0, 200)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    assert.deepEqual(problems.slice(0, 20), [], `seed ${SEED}: ${problems.length} bad answers`);
    // The generator reached the service's operations and its validation alike.
    assert.ok((seen.get('ok') ?? 0) > REQUESTS / 50, `some requests succeed: ${JSON.stringify(Object.fromEntries(seen))}`);
    for (const type of ['ValidationException', 'SerializationException', 'UnknownOperationException', 'NotFoundException']) {
      assert.ok((seen.get(type) ?? 0) > 0, `${type} among the answers: ${JSON.stringify(Object.fromEntries(seen))}`);
    }

    // And a normal round trip afterwards.
    const { KeyMetadata } = await setup.createKey({});
    const out = await setup.encrypt({ KeyId: KeyMetadata!.KeyId, Plaintext: Buffer.from('still fine'), EncryptionContext: { a: 'b' } });
    const back = await setup.decrypt({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: { a: 'b' } });
    assert.equal(Buffer.from(back.Plaintext!).toString(), 'still fine');
  });
});
