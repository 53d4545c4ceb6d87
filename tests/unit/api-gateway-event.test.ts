/** Pure parts of the API Gateway emulator: the proxy event (no authorizer) and the request time. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { buildEvent, requestTime } from '../../infra/local/lambda-event.js';

function fakeRequest(rawHeaders: string[], url = '/'): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i]!.toLowerCase()] = rawHeaders[i + 1]!;
  return { rawHeaders, headers, url, method: 'POST', httpVersion: '1.1', socket: { remoteAddress: '::ffff:10.0.0.7' } } as unknown as IncomingMessage;
}

describe('buildEvent', () => {
  const at = { requestId: 'rid', stage: 'local', requestPath: '/', resourcePath: '/', now: 0 };

  it('keeps header-name case, last value in headers, all values in multiValueHeaders', () => {
    const req = fakeRequest(['X-Amz-Target', 'TrentService.Encrypt', 'x-custom', 'a', 'x-custom', 'b', 'Host', 'kms.local:4599']);
    const event = buildEvent({ req, body: '{}', ...at });
    assert.equal(event.headers['X-Amz-Target'], 'TrentService.Encrypt');
    assert.equal(event.headers['x-custom'], 'b');
    assert.deepEqual(event.multiValueHeaders['x-custom'], ['a', 'b']);
    assert.equal(event.requestContext.identity.sourceIp, '10.0.0.7', 'IPv4-mapped address unwrapped');
    assert.equal(event.requestContext.domainName, 'kms.local:4599');
    assert.equal(event.requestContext.path, '/');
    assert.equal(event.queryStringParameters, null);
    assert.equal(event.pathParameters, null);
    assert.equal(event.requestContext.requestTime, '01/Jan/1970:00:00:00 +0000');
  });

  it('reports no caller (no authorizer): the API function authenticates', () => {
    const event = buildEvent({ req: fakeRequest(['User-Agent', 'aws-cli/2']), body: '', ...at });
    const { identity } = event.requestContext;
    assert.equal(identity.accountId, null);
    assert.equal(identity.userArn, null);
    assert.equal(identity.accessKey, null);
    assert.equal(identity.caller, null);
    assert.equal(identity.userAgent, 'aws-cli/2');
    assert.equal('vpceId' in identity, false);
  });

  it('has the stage path in requestContext.path and the resource path in path, as on an execute-api host', () => {
    const event = buildEvent({ req: fakeRequest([], '/dev/'), body: '', requestId: 'rid', stage: 'dev', requestPath: '/dev/', resourcePath: '/', now: 0 });
    assert.equal(event.requestContext.path, '/dev/');
    assert.equal(event.path, '/');
    assert.equal(event.requestContext.stage, 'dev');
  });

  it('keeps a header or query parameter named __proto__ as data (no crash, nothing dropped)', () => {
    const event = buildEvent({ req: fakeRequest(['__proto__', 'x', '__proto__', 'y'], '/?__proto__=1'), body: '', ...at });
    assert.equal(Object.hasOwn(event.headers, '__proto__'), true);
    assert.deepEqual(event.multiValueHeaders['__proto__'], ['x', 'y']);
    assert.deepEqual(event.multiValueQueryStringParameters?.['__proto__'], ['1']);
  });

  it('parses a query string like API Gateway', () => {
    const event = buildEvent({ req: fakeRequest([], '/?a=1&a=2&b=x'), body: '', ...at });
    assert.deepEqual({ ...event.queryStringParameters }, { a: '2', b: 'x' });
    assert.deepEqual({ ...event.multiValueQueryStringParameters }, { a: ['1', '2'], b: ['x'] });
  });
});

describe('requestTime', () => {
  it("formats API Gateway's requestTime", () => {
    assert.equal(requestTime(Date.UTC(2015, 3, 9, 12, 34, 56, 789)), '09/Apr/2015:12:34:56 +0000');
    assert.equal(requestTime(Date.UTC(2026, 11, 31, 23, 59, 59)), '31/Dec/2026:23:59:59 +0000');
  });
});
