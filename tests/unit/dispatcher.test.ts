import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dispatch, type DispatchHooks } from '../../shared/protocol/dispatcher.js';
import { NotFoundException } from '../../shared/errors.js';

const caller = { account: '111122223333', principalArn: 'arn:aws:iam::111122223333:root' };
const internalErrors: unknown[] = [];
const hooks: DispatchHooks<object> = {
  operations: {
    GenerateRandom: async (input: { NumberOfBytes?: number }) => ({ Plaintext: Buffer.alloc(input.NumberOfBytes ?? 0, 1) }),
    DescribeKey: async () => {
      throw new NotFoundException('nope');
    },
    ListKeys: async () => {
      throw new Error('database password is hunter2');
    },
    EnableKey: async () => undefined,
  },
  context: () => ({}),
  onInternalError: (e) => internalErrors.push(e),
};
const call = (target: string | undefined, body: string) => dispatch({ target, body, region: 'us-east-1', caller, requestId: 'r' }, hooks);

test('success: 200, AWS JSON content type, request id, blobs base64', async () => {
  const r = await call('TrentService.GenerateRandom', '{"NumberOfBytes":2}');
  assert.equal(r.statusCode, 200);
  assert.equal(r.headers['Content-Type'], 'application/x-amz-json-1.1');
  assert.equal(r.headers['x-amzn-RequestId'], 'r');
  assert.deepEqual(JSON.parse(r.body), { Plaintext: 'AQE=' });
});

test('operations without output answer an empty body', async () => {
  const r = await call('TrentService.EnableKey', '{"KeyId":"k"}');
  assert.equal(r.statusCode, 200);
  assert.equal(r.body, '');
});

test('protocol errors: unknown target, bad JSON, non-object body', async () => {
  for (const target of [undefined, 'TrentService.Nope', 'Other.GenerateRandom']) {
    const r = await call(target, '{}');
    assert.equal(r.statusCode, 400);
    assert.equal(JSON.parse(r.body).__type, 'UnknownOperationException');
  }
  for (const body of ['{', '[]', '"x"', 'null']) {
    const r = await call('TrentService.GenerateRandom', body);
    assert.equal(JSON.parse(r.body).__type, 'SerializationException', body);
  }
});

test('KMS errors keep their type and message; unexpected errors become a bare KMSInternalException', async () => {
  const notFound = await call('TrentService.DescribeKey', '{"KeyId":"k"}');
  assert.deepEqual(JSON.parse(notFound.body), { __type: 'NotFoundException', message: 'nope' });
  const internal = await call('TrentService.ListKeys', '{}');
  assert.equal(internal.statusCode, 500);
  assert.equal(JSON.parse(internal.body).__type, 'KMSInternalException');
  assert.ok(!internal.body.includes('hunter2'), 'internal details never reach the caller');
  assert.equal(internalErrors.length, 1);
});

test('a success whose onComplete promise rejects is answered KMSInternalException and told to onUnacknowledged; an error answer stays', async () => {
  const unacknowledged: Array<string | undefined> = [];
  const unwritable: DispatchHooks<object> = {
    ...hooks,
    onComplete: () => Promise.reject(new Error('the audit record could not be written')),
    onUnacknowledged: (operation) => unacknowledged.push(operation),
  };
  const success = await dispatch({ target: 'TrentService.GenerateRandom', body: '{"NumberOfBytes":2}', region: 'us-east-1', caller, requestId: 'r' }, unwritable);
  assert.equal(success.statusCode, 500);
  assert.deepEqual(JSON.parse(success.body), { __type: 'KMSInternalException', message: 'An internal error occurred.' });
  const notFound = await dispatch({ target: 'TrentService.DescribeKey', body: '{"KeyId":"k"}', region: 'us-east-1', caller, requestId: 'r' }, unwritable);
  assert.equal(JSON.parse(notFound.body).__type, 'NotFoundException');
  assert.deepEqual(unacknowledged, ['GenerateRandom']);
});
