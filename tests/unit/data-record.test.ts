/** dataRecord(): an object for client-chosen names, with nothing inherited. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dataRecord } from '../../shared/core/data-record.js';

test('every name is an own data key, Object.prototype member names and __proto__ included', () => {
  const record = dataRecord<string>();
  for (const name of ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__']) record[name] = name.toUpperCase();
  assert.deepEqual(Object.keys(record), ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__']);
  assert.equal(Object.hasOwn(record, '__proto__'), true);
  assert.equal(record['__proto__'], '__PROTO__');
  assert.equal(JSON.stringify(record), '{"__proto__":"__PROTO__","constructor":"CONSTRUCTOR","toString":"TOSTRING","valueOf":"VALUEOF","hasOwnProperty":"HASOWNPROPERTY","__defineGetter__":"__DEFINEGETTER__"}');
  // The assignment made a key, it did not change the prototype.
  assert.equal(Object.getPrototypeOf(dataRecord()), Object.getPrototypeOf(record));
});

test('nothing is inherited, and records share no state', () => {
  const a = dataRecord<string>();
  const b = dataRecord<string>();
  for (const name of ['toString', 'valueOf', 'constructor', 'hasOwnProperty', '__proto__', 'isPrototypeOf']) {
    assert.equal(name in a, false, name);
    assert.equal(a[name], undefined, name);
  }
  a.x = '1';
  assert.equal(b.x, undefined);
  assert.deepEqual({ ...a }, { x: '1' });
  // The shared prototype cannot be given a member by anyone.
  const prototype = Object.getPrototypeOf(a) as Record<string, unknown>;
  assert.equal(Object.isFrozen(prototype), true);
  assert.throws(() => { 'use strict'; prototype.polluted = true; }, TypeError);
  assert.equal(Object.getPrototypeOf(prototype), null);
});
