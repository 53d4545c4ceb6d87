/** Pure parts of the API Gateway emulator: SigV4 parsing and verification, the proxy event, the request time. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  authenticate,
  basicDate,
  buildEvent,
  createAuthenticator,
  parseAuthorization,
  requestTime,
  type AuthResult,
  type SigV4Authorization,
} from '../../infra/local/api-gateway.js';
import { parseCredentials } from '../../infra/local/credentials.js';

const SIG = 'f'.repeat(64);
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
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

describe('authenticate (SigV4 against a credentials list)', () => {
  const ACCOUNT = '111122223333';
  const credentials = parseCredentials(
    [
      { accessKeyId: 'test', secretAccessKey: 'test', principalArn: `arn:aws:iam::${ACCOUNT}:root` },
      { accessKeyId: 'AKIAALICE', secretAccessKey: 'alice-secret', principalArn: `arn:aws:iam::${ACCOUNT}:user/team/alice` },
      {
        accessKeyId: 'ASIAAPP',
        secretAccessKey: 'app-secret',
        sessionToken: 'app-token',
        principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/app/session-1`,
      },
      { accessKeyId: 'AKIADAVE', secretAccessKey: 'dave-secret', principalArn: 'arn:aws:iam::444455556666:user/dave', vpcEndpointId: 'vpce-0123456789abcdef0' },
    ],
    'inline test list',
  );
  const SIGNED_AT = Date.UTC(2026, 0, 1, 12, 0, 0); // 20260101T120000Z
  let clock = SIGNED_AT;
  const authenticator = createAuthenticator({ credentials, now: () => clock });
  const BODY = '{"NumberOfBytes":16}';

  interface SignOptions {
    accessKeyId?: string;
    secretAccessKey?: string;
    sessionToken?: string;
    region?: string;
    signingDate?: Date;
    body?: string;
    headers?: Record<string, string>;
    applyChecksum?: boolean;
  }

  /** A request signed by @smithy/signature-v4 as the SDK signs it, as node:http would hand it to the server. */
  async function signed(options: SignOptions = {}) {
    const signer = new SignatureV4({
      service: 'kms',
      region: options.region ?? 'us-east-1',
      credentials: {
        accessKeyId: options.accessKeyId ?? 'test',
        secretAccessKey: options.secretAccessKey ?? 'test',
        ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
      },
      sha256: Sha256,
      applyChecksum: options.applyChecksum ?? false,
    });
    const body = options.body ?? BODY;
    const request = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 4599,
        path: '/',
        query: {},
        headers: {
          host: '127.0.0.1:4599',
          'Content-Type': 'application/x-amz-json-1.1',
          'X-Amz-Target': 'TrentService.GenerateRandom',
          'content-length': String(Buffer.byteLength(body)),
          ...options.headers,
        },
        body,
      },
      { signingDate: options.signingDate ?? new Date(SIGNED_AT) },
    );
    const raw: string[] = [];
    for (const [name, value] of Object.entries(request.headers)) raw.push(name, String(value));
    return { raw, body };
  }

  const run = (raw: string[], body: string) => authenticate(fakeRequest(raw), body, authenticator);
  const withHeader = (raw: string[], name: string, value: string | undefined) => {
    const out: string[] = [];
    for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() !== name.toLowerCase()) out.push(raw[i]!, raw[i + 1]!);
    return value === undefined ? out : [...out, name, value];
  };
  const SIGNATURE_MISMATCH =
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
  const INVALID_TOKEN = 'The security token included in the request is invalid.';

  async function refused(promise: Promise<AuthResult>, type: string, message?: string | RegExp) {
    const result = await promise;
    assert.ok(result.error, `expected ${type}, but the request was accepted`);
    assert.equal(result.error.type, type, result.error.message);
    assert.equal(result.error.statusCode, 400);
    if (typeof message === 'string') assert.equal(result.error.message, message);
    else if (message) assert.match(result.error.message, message);
  }

  it('accepts an SDK-signed request and reports the root of the account', async () => {
    clock = SIGNED_AT;
    const { raw, body } = await signed({ region: 'eu-west-1' });
    const result = await run(raw, body);
    assert.equal(result.error, undefined, result.error?.message);
    if (result.error) return;
    assert.equal(result.region, 'eu-west-1');
    assert.deepEqual({ ...result.identity }, { accountId: ACCOUNT, userArn: `arn:aws:iam::${ACCOUNT}:root`, accessKey: 'test', caller: ACCOUNT, user: ACCOUNT });
  });

  it('reports an IAM user, a role session (with its token) and a VPC endpoint', async () => {
    clock = SIGNED_AT;
    const aliceRequest = await signed({ accessKeyId: 'AKIAALICE', secretAccessKey: 'alice-secret' });
    const alice = await run(aliceRequest.raw, aliceRequest.body);
    assert.equal(alice.error, undefined, alice.error?.message);
    assert.equal(alice.identity?.userArn, `arn:aws:iam::${ACCOUNT}:user/team/alice`);
    assert.equal(alice.identity?.accountId, ACCOUNT);
    assert.match(alice.identity!.caller, /^AIDA[A-Z2-7]{17}$/);
    assert.equal(alice.identity?.vpceId, undefined);

    const app = await signed({ accessKeyId: 'ASIAAPP', secretAccessKey: 'app-secret', sessionToken: 'app-token' });
    const session = await run(app.raw, app.body);
    assert.equal(session.error, undefined, session.error?.message);
    assert.equal(session.identity?.userArn, `arn:aws:sts::${ACCOUNT}:assumed-role/app/session-1`);
    assert.match(session.identity!.caller, /^AROA[A-Z2-7]{17}:session-1$/);

    const dave = await signed({ accessKeyId: 'AKIADAVE', secretAccessKey: 'dave-secret' });
    const other = await run(dave.raw, dave.body);
    assert.equal(other.error, undefined, other.error?.message);
    assert.equal(other.identity?.accountId, '444455556666');
    assert.equal(other.identity?.vpceId, 'vpce-0123456789abcdef0');
  });

  it('ignores headers that were not signed, and accepts a declared payload hash that matches', async () => {
    clock = SIGNED_AT;
    const { raw, body } = await signed({ applyChecksum: true });
    assert.ok(raw.some((name) => name.toLowerCase() === 'x-amz-content-sha256'));
    const result = await run([...raw, 'User-Agent', 'something else', 'X-Unsigned', 'x'], body);
    assert.equal(result.error, undefined, result.error?.message);
  });

  it('refuses a wrong secret, a changed body and a changed signed header with InvalidSignatureException', async () => {
    clock = SIGNED_AT;
    const wrong = await signed({ secretAccessKey: 'not-test' });
    await refused(run(wrong.raw, wrong.body), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    const good = await signed();
    await refused(run(good.raw, '{"NumberOfBytes":17}'), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    await refused(run(withHeader(good.raw, 'X-Amz-Target', 'TrentService.CreateKey'), good.body), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    // A declared x-amz-content-sha256 must be the body's hash (SignatureV4 would otherwise sign the claim).
    const declared = await signed({ applyChecksum: true });
    await refused(run(declared.raw, '{"NumberOfBytes":17}'), 'InvalidSignatureException', SIGNATURE_MISMATCH);
  });

  it('refuses an unknown access key and a missing, wrong or unexpected session token with UnrecognizedClientException', async () => {
    clock = SIGNED_AT;
    const unknown = await signed({ accessKeyId: 'AKIANOBODY', secretAccessKey: 'x' });
    await refused(run(unknown.raw, unknown.body), 'UnrecognizedClientException', INVALID_TOKEN);
    const noToken = await signed({ accessKeyId: 'ASIAAPP', secretAccessKey: 'app-secret' });
    await refused(run(noToken.raw, noToken.body), 'UnrecognizedClientException', INVALID_TOKEN);
    const wrongToken = await signed({ accessKeyId: 'ASIAAPP', secretAccessKey: 'app-secret', sessionToken: 'other-token' });
    await refused(run(wrongToken.raw, wrongToken.body), 'UnrecognizedClientException', INVALID_TOKEN);
    const extraToken = await signed({ sessionToken: 'app-token' });
    await refused(run(extraToken.raw, extraToken.body), 'UnrecognizedClientException', INVALID_TOKEN);
  });

  it('allows 5 minutes of clock difference either way, with AWS\'s messages beyond', async () => {
    const { raw, body } = await signed(); // 20260101T120000Z
    clock = SIGNED_AT + 5 * 60_000;
    assert.equal((await run(raw, body)).error, undefined, 'exactly 5 minutes old');
    clock = SIGNED_AT - 5 * 60_000;
    assert.equal((await run(raw, body)).error, undefined, 'exactly 5 minutes ahead');
    clock = SIGNED_AT + 10 * 60_000 + 500;
    await refused(
      run(raw, body),
      'InvalidSignatureException',
      'Signature expired: 20260101T120000Z is now earlier than 20260101T120500Z (20260101T121000Z - 5 min.)',
    );
    clock = SIGNED_AT - 6 * 60_000;
    await refused(
      run(raw, body),
      'InvalidSignatureException',
      'Signature not yet current: 20260101T120000Z is still later than 20260101T115900Z (20260101T115400Z + 5 min.)',
    );
    clock = SIGNED_AT;
  });

  it('refuses a credential scope date that is not the X-Amz-Date day', async () => {
    clock = SIGNED_AT;
    const { raw, body } = await signed();
    await refused(
      run(withHeader(raw, 'X-Amz-Date', '20260102T000000Z'), body),
      'InvalidSignatureException',
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260101' != '20260102', from '20260102T000000Z'.",
    );
  });

  it('refuses a malformed X-Amz-Date, a missing date and an unsigned Host with IncompleteSignatureException', async () => {
    clock = SIGNED_AT;
    const { raw, body } = await signed();
    await refused(run(withHeader(raw, 'X-Amz-Date', '2026-01-01T12:00:00Z'), body), 'IncompleteSignatureException', /ISO-8601 'basic format'/);
    await refused(run(withHeader(raw, 'X-Amz-Date', '20260230T120000Z'), body), 'IncompleteSignatureException', /ISO-8601 'basic format'/);
    await refused(run(withHeader(raw, 'X-Amz-Date', undefined), body), 'IncompleteSignatureException', /either a 'X-Amz-Date' or a 'Date' header/);
    const authorization = raw[raw.findIndex((name) => name.toLowerCase() === 'authorization') + 1]!;
    const noHost = authorization.replace(/SignedHeaders=[^,]+/, 'SignedHeaders=content-type;x-amz-date;x-amz-target');
    await refused(run(withHeader(raw, 'Authorization', noHost), body), 'IncompleteSignatureException', /'Host' or ':authority' must be a 'SignedHeader'/);
  });

  it('rejects a scope for another service or a region that is not one', async () => {
    clock = SIGNED_AT;
    const { raw, body } = await signed();
    const authorization = raw[raw.findIndex((name) => name.toLowerCase() === 'authorization') + 1]!;
    await refused(run(withHeader(raw, 'Authorization', authorization.replace('/kms/', '/s3/')), body), 'InvalidSignatureException', /correct service/);
    await refused(run(withHeader(raw, 'Authorization', authorization.replace('us-east-1', 'moon')), body), 'InvalidSignatureException', /valid region/);
  });

  it('verifies a request signed with a Date header instead of X-Amz-Date', async () => {
    // An independent SigV4 implementation (node:crypto) as the client: SignatureV4 always uses X-Amz-Date.
    const date = 'Thu, 01 Jan 2026 12:00:00 GMT';
    const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1', date, host: '127.0.0.1:4599', 'x-amz-target': 'TrentService.GenerateRandom' };
    const names = Object.keys(headers).sort();
    const canonical = ['POST', '/', '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), sha256Hex(BODY)].join('\n');
    const scope = '20260101/us-east-1/kms/aws4_request';
    const stringToSign = ['AWS4-HMAC-SHA256', '20260101T120000Z', scope, sha256Hex(canonical)].join('\n');
    let key: Buffer = createHmac('sha256', 'AWS4test').update('20260101').digest();
    for (const part of ['us-east-1', 'kms', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
    const raw = Object.entries(headers).flat();
    raw.push('Authorization', `AWS4-HMAC-SHA256 Credential=test/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`);
    clock = SIGNED_AT;
    const result = await run(raw, BODY);
    assert.equal(result.error, undefined, result.error?.message);
    await refused(run(raw, '{"NumberOfBytes":1}'), 'InvalidSignatureException', SIGNATURE_MISMATCH);
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

  it('adds identity.vpceId only for a caller that came through a VPC endpoint', () => {
    const plain = buildEvent({ req: fakeRequest([]), body: '', identity, requestId: 'rid', stage: 'local', now: 0 });
    assert.equal('vpceId' in plain.requestContext.identity, false);
    const viaEndpoint = buildEvent({ req: fakeRequest([]), body: '', identity: { ...identity, vpceId: 'vpce-0123456789abcdef0' }, requestId: 'rid', stage: 'local', now: 0 });
    assert.equal(viaEndpoint.requestContext.identity.vpceId, 'vpce-0123456789abcdef0');
    assert.equal(viaEndpoint.requestContext.identity.sourceIp, '10.0.0.7');
  });

  it('parses a query string like API Gateway', () => {
    const event = buildEvent({ req: fakeRequest([], '/?a=1&a=2&b=x'), body: '', identity, requestId: 'rid', stage: 'local', now: 0 });
    assert.deepEqual(event.queryStringParameters, { a: '2', b: 'x' });
    assert.deepEqual(event.multiValueQueryStringParameters, { a: ['1', '2'], b: ['x'] });
  });
});

describe('basicDate', () => {
  it('formats the ISO-8601 basic format SigV4 uses', () => {
    assert.equal(basicDate(Date.UTC(2026, 0, 1, 0, 0, 0, 999)), '20260101T000000Z');
    assert.equal(basicDate(Date.UTC(2026, 11, 31, 23, 59, 59)), '20261231T235959Z');
  });
});

describe('requestTime', () => {
  it("formats API Gateway's requestTime", () => {
    assert.equal(requestTime(Date.UTC(2015, 3, 9, 12, 34, 56, 789)), '09/Apr/2015:12:34:56 +0000');
    assert.equal(requestTime(Date.UTC(2026, 11, 31, 23, 59, 59)), '31/Dec/2026:23:59:59 +0000');
  });
});
