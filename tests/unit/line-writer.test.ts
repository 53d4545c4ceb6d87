/** LineWriter (the audit trail's line encoder): its JSON is byte for byte JSON.stringify's, as UTF-8. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineWriter } from '../../shared/audit/line-writer.js';
import { dataRecord } from '../../shared/core/data-record.js';

const jsonOf = (value: unknown, out = new LineWriter(8)) => {
  out.reset().json(value);
  return out.contents().toString('utf8');
};

class Point {
  constructor(
    public x: number,
    public y?: number,
  ) {}
}

test('json equals JSON.stringify for strings that need escaping or are not ASCII', () => {
  const strings = ['', 'Encrypt', 'a"b\\c', 'line\nbreak\ttab\u0000\u001f', '\u007f', 'ü€😀', '\ud800', 'x\udc00y', '</script>', 'x'.repeat(10_000)];
  for (const value of strings) {
    assert.equal(jsonOf(value), JSON.stringify(value), value.slice(0, 20));
    assert.equal(jsonOf({ [value]: value }), JSON.stringify({ [value]: value }), value.slice(0, 20));
  }
});

test('json equals JSON.stringify for numbers, booleans, null and values JSON.stringify leaves out', () => {
  for (const value of [0, -0, 1, -1.5, 0.1, 1e21, 1e-7, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity, true, false, null]) {
    assert.equal(jsonOf(value), JSON.stringify(value), String(value));
  }
  const members = { a: undefined, b: () => 1, c: Symbol('s'), d: 1, [Symbol('k')]: 2 };
  assert.equal(jsonOf(members), JSON.stringify(members));
  const items = [undefined, () => 1, Symbol('s'), 1, null, , 2]; // eslint-disable-line no-sparse-arrays
  assert.equal(jsonOf(items), JSON.stringify(items));
});

test('json equals JSON.stringify for objects, nested, and the key order JSON.stringify uses', () => {
  const values: unknown[] = [
    {},
    [],
    { keyId: 'arn:aws:kms:us-east-1:111122223333:key/1234', encryptionContext: { purpose: 'bench', tenant: 'ü' }, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' },
    { b: 1, 10: 'ten', a: [1, { c: [true, null] }], 2: 'two', '-1': 'minus' },
    { list: [{ grantId: 'g', operations: ['Encrypt', 'Decrypt'] }, { constraints: { encryptionContextSubset: { k: 'v' } } }] },
    Object.assign(Object.create(null), { x: 1, toString: 'not a function' }),
  ];
  for (const value of values) assert.equal(jsonOf(value), JSON.stringify(value));
  // An object that inherits an enumerable member: only own members are written.
  const child = Object.create({ inherited: 1 });
  child.own = 2;
  assert.equal(jsonOf(child), JSON.stringify(child));
  // Non-enumerable members are left out.
  const hidden = Object.defineProperty({ shown: 1 }, 'hidden', { value: 2, enumerable: false });
  assert.equal(jsonOf(hidden), JSON.stringify(hidden));
});

test('a data record (an encryption context) is written with every key it holds, __proto__ included', () => {
  const context = dataRecord<string>();
  context['__proto__'] = 'a';
  context['constructor'] = 'b';
  context.toJSON = 'c';
  context.plain = 'd';
  assert.equal(jsonOf({ encryptionContext: context }), '{"encryptionContext":{"__proto__":"a","constructor":"b","toJSON":"c","plain":"d"}}');
});

test('json hands what is not plain data to JSON.stringify (toJSON, class instances, boxed values)', () => {
  const withToJson = { toJSON: (key: string) => `key:${key}` };
  const values: unknown[] = [
    new Date(0),
    Buffer.from('hi'),
    new Point(1),
    new Map([[1, 2]]),
    Object.assign([1, 2], { toJSON: () => 'array' }),
    new String('boxed'), // eslint-disable-line no-new-wrappers
    new Number(3), // eslint-disable-line no-new-wrappers
    { nested: withToJson, when: new Date(1000) },
    [withToJson, new Date(0)],
    { gone: { toJSON: () => undefined }, kept: 1, alsoGone: { toJSON: () => () => 1 } },
    [{ toJSON: () => undefined }],
    { __proto__: 'x', deep: { inner: withToJson } },
    withToJson,
  ];
  for (const value of values) assert.equal(jsonOf(value), JSON.stringify(value));
  assert.throws(() => jsonOf({ big: 1n }), TypeError);
});

test('the buffer grows as needed; bytes, ascii, text and newline append in order; reset starts over', () => {
  const out = new LineWriter(4);
  out.bytes(Buffer.from('{"a":'));
  out.json('x'.repeat(100));
  out.ascii(',"n":12');
  out.text(',"u":"ü€"}');
  out.newline();
  assert.equal(out.contents().toString('utf8'), `{"a":"${'x'.repeat(100)}","n":12,"u":"ü€"}\n`);
  assert.equal(out.size, out.contents().length);
  out.reset().ascii('z');
  assert.equal(out.contents().toString('utf8'), 'z');
});

test('member writes a member as JSON.stringify does, or nothing when JSON.stringify leaves it out', () => {
  const out = new LineWriter(8);
  const keys: string[] = [];
  const dated = { toJSON: (key: string) => (keys.push(key), 'dated') };
  const members: Array<[string, unknown]> = [['a', 1], ['b', undefined], ['c', () => 1], ['d', { toJSON: () => undefined }], ['e', dated], ['f', 'ü"'], ['g', [1, undefined]]];
  const expected = JSON.stringify(Object.fromEntries(members));
  keys.length = 0;
  out.ascii('{');
  let first = true;
  for (const [key, value] of members) if (out.member(Buffer.from(`${first ? '' : ','}${JSON.stringify(key)}:`), value)) first = false;
  out.ascii('}');
  assert.equal(out.contents().toString('utf8'), expected);
  assert.deepEqual(keys, ['e'], 'a toJSON is given its member name');
  out.truncate(1);
  assert.equal(out.contents().toString('utf8'), '{');
});
