/**
 * The encryption context's canonical bytes are bound into every ciphertext as AAD, so they must never
 * change: the fast path (ASCII keys written into one buffer) is checked against the definition (every
 * key and value encoded to UTF-8, pairs sorted by key bytes, each length-prefixed) on random contexts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalEncryptionContext } from '../../shared/core/encryption-context.js';

function definition(context: Record<string, string>): Buffer {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const pairs = Object.entries(context).map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const);
  if (pairs.length === 0) return Buffer.alloc(0);
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  return Buffer.concat([u32(pairs.length), ...pairs.flatMap(([k, v]) => [u32(k.length), k, u32(v.length), v])]);
}

test('canonical bytes equal the definition for ASCII and non-ASCII keys and values (random contexts)', () => {
  const alphabets = ['abcXYZ019:-_/ ', 'aé€😀\u0000\ud800\uffff\ue000Z~\u007f', 'ab'];
  let seed = 7;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  const text = (alphabet: string, max: number) => Array.from({ length: random(max) }, () => [...alphabet][random([...alphabet].length)]).join('');
  for (let i = 0; i < 20_000; i++) {
    const keys = alphabets[random(alphabets.length)]!;
    const values = alphabets[random(alphabets.length)]!;
    const context: Record<string, string> = {};
    for (let n = random(6); n > 0; n--) context[text(keys, 6)] = text(values, 12);
    assert.deepEqual(canonicalEncryptionContext(context), definition(context), JSON.stringify(context));
  }
  assert.equal(canonicalEncryptionContext(undefined).length, 0);
  assert.deepEqual(canonicalEncryptionContext({ b: '2', a: '1' }), Buffer.from('00000002000000016100000001310000000162000000013' + '2', 'hex'));
});
