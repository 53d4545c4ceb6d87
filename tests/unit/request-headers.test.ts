/** Header lookups ignore case (shared/protocol/request-headers.ts), by whichever spelling a client sends. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { header, operationTarget } from '../../shared/protocol/request-headers.js';

test('a header is found whatever case its name is sent in', () => {
  assert.equal(header({ 'x-amz-target': 'lower' }, 'X-Amz-Target'), 'lower');
  assert.equal(header({ 'X-Amz-Target': 'capitalised' }, 'x-amz-target'), 'capitalised');
  assert.equal(header({ 'X-AMZ-TARGET': 'upper' }, 'x-amz-target'), 'upper');
  assert.equal(header({ 'x-AMZ-tarGet': 'odd' }, 'content-type'), undefined);
  assert.equal(header({ 'x-AMZ-tarGet': 'odd' }, 'x-amz-target'), 'odd');
  assert.equal(header(null, 'x-amz-target'), undefined);
  assert.equal(operationTarget({ 'Content-Type': 'x' }, { 'X-Amz-Target': 'TrentService.Encrypt' }), 'TrentService.Encrypt');
});
