/** Pure parts of the API Gateway emulator: SigV4 header parsing, the proxy event, the request time. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { authenticate, buildEvent, parseAuthorization, requestTime, type SigV4Authorization } from '../../infra/local/api-gateway.js';

const SIG = 'f'.repeat(64);
const CLI_STYLE = `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/eu-west-1/kms/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=${SIG}`;

function fakeRequest(rawHeaders: string[], url = '/'): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i]!.toLowerCase()] = rawHeaders[i + 1]!;
  return { rawHeaders, headers, url, method: 'POST', httpVersion: '1.1', socket: { remoteAddress: '::ffff:10.0.0.7' } } as unknown as IncomingMessage;
}

describe('parseAuthorization', () => {
  it('reads the credential scope of an SDK/CLI header', () => {
    const parsed = parseAuthorization(CLI_STYLE) as SigV4Authorization;
    assert.deepEqual(parsed, {
      accessKeyId: 'AKIDEXAMPLE',
      date: '20260101',
      region: 'eu-west-1',
      service: 'kms',
      signedHeaders: 'host;x-amz-date;x-amz-target',
      signature: SIG,
    });
  });

  it('accepts parameters without spaces after the commas', () => {
    const parsed = parseAuthorization(CLI_STYLE.replaceAll(', ', ',')) as SigV4Authorization;
    assert.equal(parsed.region, 'eu-west-1');
  });

  it('names a missing header MissingAuthenticationTokenException', () => {
    assert.deepEqual(parseAuthorization(undefined), { statusCode: 400, type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
    assert.equal((parseAuthorization('') as { type: string }).type, 'MissingAuthenticationTokenException');
  });

  it('names malformed headers IncompleteSignatureException, saying what is missing', () => {
    const cases: Array<[string, RegExp]> = [
      ['Bearer abc', /'AWS4-HMAC-SHA256' signing algorithm/],
      ['AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/kms/aws4_request', /requires 'Signature' parameter\. Authorization header requires 'SignedHeaders' parameter\./],
      [`AWS4-HMAC-SHA256 Credential=A/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=${SIG}`, /exactly 5 slash-delimited elements/],
      [`AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/kms/aws5, SignedHeaders=host, Signature=${SIG}`, /valid terminator/],
      [`AWS4-HMAC-SHA256 Credential=A/2026-01-01/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=${SIG}`, /ISO-8601/],
    ];
    for (const [value, message] of cases) {
      const result = parseAuthorization(value) as { type: string; message: string };
      assert.equal(result.type, 'IncompleteSignatureException', value);
      assert.match(result.message, message, value);
    }
  });
});

describe('authenticate', () => {
  it('maps any signed request to the root of the local account', () => {
    const result = authenticate(fakeRequest(['Authorization', CLI_STYLE, 'X-Amz-Date', '20260101T000000Z']));
    assert.equal(result.error, undefined);
    if (result.error) return;
    assert.equal(result.region, 'eu-west-1');
    assert.equal(result.identity.userArn, 'arn:aws:iam::111122223333:root');
    assert.equal(result.identity.accessKey, 'AKIDEXAMPLE');
  });

  it('rejects a scope for another service or a region that is not one', () => {
    const s3 = authenticate(fakeRequest(['Authorization', CLI_STYLE.replace('/kms/', '/s3/'), 'X-Amz-Date', 'x']));
    assert.equal(s3.error?.type, 'InvalidSignatureException');
    const region = authenticate(fakeRequest(['Authorization', CLI_STYLE.replace('eu-west-1', 'moon'), 'X-Amz-Date', 'x']));
    assert.equal(region.error?.type, 'InvalidSignatureException');
  });

  it('requires X-Amz-Date or Date', () => {
    const result = authenticate(fakeRequest(['Authorization', CLI_STYLE]));
    assert.equal(result.error?.type, 'IncompleteSignatureException');
  });
});

describe('buildEvent', () => {
  const identity = { accountId: '111122223333', userArn: 'arn:aws:iam::111122223333:root', accessKey: 'AKID', caller: '111122223333', user: '111122223333' };

  it('keeps header-name case, last value in headers, all values in multiValueHeaders', () => {
    const req = fakeRequest(['X-Amz-Target', 'TrentService.Encrypt', 'x-custom', 'a', 'x-custom', 'b', 'Host', 'kms.local:4599']);
    const event = buildEvent({ req, body: '{}', identity, requestId: 'rid', stage: 'local', now: 0 });
    assert.equal(event.headers['X-Amz-Target'], 'TrentService.Encrypt');
    assert.equal(event.headers['x-custom'], 'b');
    assert.deepEqual(event.multiValueHeaders['x-custom'], ['a', 'b']);
    assert.equal(event.requestContext.identity.sourceIp, '10.0.0.7', 'IPv4-mapped address unwrapped');
    assert.equal(event.requestContext.domainName, 'kms.local:4599');
    assert.equal(event.requestContext.path, '/local/');
    assert.equal(event.queryStringParameters, null);
    assert.equal(event.pathParameters, null);
    assert.equal(event.requestContext.requestTime, '01/Jan/1970:00:00:00 +0000');
  });

  it('parses a query string like API Gateway', () => {
    const event = buildEvent({ req: fakeRequest([], '/?a=1&a=2&b=x'), body: '', identity, requestId: 'rid', stage: 'local', now: 0 });
    assert.deepEqual(event.queryStringParameters, { a: '2', b: 'x' });
    assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1', '2'], b: ['x'] });
  });
});

describe('requestTime', () => {
  it("formats API Gateway's requestTime", () => {
    assert.equal(requestTime(Date.UTC(2015, 3, 9, 12, 34, 56, 789)), '09/Apr/2015:12:34:56 +0000');
    assert.equal(requestTime(Date.UTC(2026, 11, 31, 23, 59, 59)), '31/Dec/2026:23:59:59 +0000');
  });
});
