/** repeatedJsonString: the same text as JSON.stringify, first time and every repeat. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repeatedJsonString } from '../../shared/core/json-text.js';

test('equals JSON.stringify for plain, escaped, unicode, lone-surrogate and long strings, repeated', () => {
  const values = ['', 'Encrypt', 'arn:aws:kms:us-east-1:111122223333:key/1234', 'a"b\\c', 'line\nbreak\ttab\u0000', 'ü€😀', '\ud800', '__proto__', 'x'.repeat(5000)];
  for (let round = 0; round < 3; round++) {
    for (const value of values) assert.equal(repeatedJsonString(value), JSON.stringify(value), value.slice(0, 20));
  }
});

test('stays right past the number of strings it keeps', () => {
  for (let i = 0; i < 2000; i++) {
    const value = `agent/${i % 700} "${i % 3}"`;
    assert.equal(repeatedJsonString(value), JSON.stringify(value));
  }
});
