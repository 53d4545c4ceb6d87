/** repeatedJsonString and repeatedJsonMember: the same text as JSON.stringify, first time and every repeat. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repeatedJsonMember, repeatedJsonString } from '../../shared/core/json-text.js';

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

test('repeatedJsonMember: the member name and the value as UTF-8 bytes, first time, on repeats and past its size', () => {
  const region = repeatedJsonMember(',"awsRegion":');
  for (let i = 0; i < 1500; i++) {
    const value = i % 2 === 0 ? 'us-east-1' : `ü-${i % 600} "${i % 3}"`;
    assert.equal(region(value).toString('utf8'), ',"awsRegion":' + JSON.stringify(value));
  }
  assert.equal(region(null).toString('utf8'), ',"awsRegion":null');
});
