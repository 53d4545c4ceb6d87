/**
 * The SigV4 verifier (shared/protocol/sigv4.ts) on requests signed by @smithy/signature-v4 (as the SDKs
 * sign) and by an independent node:crypto implementation, delivered as API Gateway proxy events
 * (signedRequestOf). Credentials come from a plain lookup function over a list.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { VerifiableCredential } from '../../shared/core/credentials.js';
import { sessionTokenHash } from '../../shared/core/principals.js';
import { KmsError } from '../../shared/errors.js';
import { createSigV4Verifier, type Verified } from '../../shared/protocol/sigv4.js';
import { regionNames } from '../../shared/regions.js';
import { basicDate } from '../../shared/protocol/sigv4-signature.js';
import { signedRequestOf, type SignedRequest } from '../../shared/protocol/signed-request.js';

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';

interface TestCredential extends VerifiableCredential {
  name: string;
}
const credential = (name: string, accessKeyId: string, secretAccessKey: string, extra: { sessionToken?: string; active?: boolean } = {}): TestCredential => ({
  name,
  accessKeyId,
  secretAccessKey,
  ...(extra.sessionToken !== undefined ? { sessionTokenHash: sessionTokenHash(extra.sessionToken) } : {}),
  active: extra.active ?? true,
  signingKeys: new Map(),
});
const CREDENTIALS = [
  credential('root', 'test', 'test'),
  credential('alice', 'AKIAALICE', 'alice-secret'),
  credential('app', 'ASIAAPP', 'app-secret', { sessionToken: 'app-token' }),
  credential('disabled', 'AKIAOFF', 'off-secret', { active: false }),
];

const SIGNED_AT = Date.UTC(2026, 0, 1, 12, 0, 0); // 20260101T120000Z
let clock = SIGNED_AT;
const verifier = createSigV4Verifier<TestCredential>({
  services: ['kms', 'sts'],
  lookup: (id) => CREDENTIALS.find((c) => c.accessKeyId === id),
  now: () => clock,
});
const BODY = '{"NumberOfBytes":16}';

interface SignOptions {
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
  service?: string;
  signingDate?: Date;
  body?: string;
  headers?: Record<string, string>;
  path?: string;
  host?: string;
  applyChecksum?: boolean;
  unsignable?: string[];
}

/** A request signed by @smithy/signature-v4 as the SDK signs it: its raw header list and body. */
async function signed(options: SignOptions = {}) {
  const signer = new SignatureV4({
    service: options.service ?? 'kms',
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
  const host = options.host ?? '127.0.0.1:4599';
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: host.split(':')[0]!,
      path: options.path ?? '/',
      query: {},
      headers: {
        host,
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'TrentService.GenerateRandom',
        'content-length': String(Buffer.byteLength(body)),
        ...options.headers,
      },
      body,
    },
    { signingDate: options.signingDate ?? new Date(SIGNED_AT), ...(options.unsignable ? { unsignableHeaders: new Set(options.unsignable) } : {}) },
  );
  const raw: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) raw.push(name, String(value));
  return { raw, body };
}

/** The request as API Gateway hands it to the function (multiValueHeaders keep repeats), then its SignedRequest. */
function eventRequest(raw: string[], body: string, paths: { requestContextPath?: string; path?: string; query?: Record<string, string[]> } = {}): SignedRequest {
  // As JSON.parse makes them (API Gateway's event is JSON): a `__proto__` header is an own property.
  const multiValueHeaders: Record<string, string[]> = Object.create(null);
  const headers: Record<string, string> = Object.create(null);
  for (let i = 0; i < raw.length; i += 2) {
    (multiValueHeaders[raw[i]!] ??= []).push(raw[i + 1]!);
    headers[raw[i]!] = raw[i + 1]!;
  }
  return signedRequestOf({
    httpMethod: 'POST',
    path: paths.path ?? '/',
    body,
    headers,
    multiValueHeaders,
    multiValueQueryStringParameters: paths.query ?? null,
    requestContext: { path: paths.requestContextPath ?? paths.path ?? '/' },
  });
}

const run = (raw: string[], body: string, paths?: Parameters<typeof eventRequest>[2]) => verifier.verify(eventRequest(raw, body, paths));
const withHeader = (raw: string[], name: string, value: string | undefined) => {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() !== name.toLowerCase()) out.push(raw[i]!, raw[i + 1]!);
  return value === undefined ? out : [...out, name, value];
};
const authorizationOf = (raw: string[]) => raw[raw.findIndex((name) => name.toLowerCase() === 'authorization') + 1]!;

function accepted(result: Verified<TestCredential> | KmsError): Verified<TestCredential> {
  if (result instanceof KmsError) assert.fail(`refused: ${result.type}: ${result.message}`);
  return result;
}

async function refused(promise: Promise<Verified<TestCredential> | KmsError>, type: string, message?: string | RegExp) {
  const result = await promise;
  assert.ok(result instanceof KmsError, `expected ${type}, but the request was accepted`);
  assert.equal(result.type, type, result.message);
  assert.equal(result.statusCode, 400);
  if (typeof message === 'string') assert.equal(result.message, message);
  else if (message) assert.match(result.message, message);
}

describe('SigV4 verifier: accepted requests', () => {
  it('accepts an SDK-signed request; region and service come from the verified scope', async () => {
    clock = SIGNED_AT;
    const { raw, body } = await signed({ region: 'eu-west-1' });
    const result = accepted(await run(raw, body));
    assert.equal(result.region, 'eu-west-1');
    assert.equal(result.service, 'kms');
    assert.equal(result.credential.name, 'root');
  });

  it('hashes a non-ASCII body as its UTF-8 bytes, as the signer did; a changed character is refused', async () => {
    clock = SIGNED_AT;
    const text = '{"KeyId":"alias/ü€","Plaintext":"aGk=","EncryptionContext":{"名前":"😀"}}';
    const { raw, body } = await signed({ body: text });
    accepted(await run(raw, body));
    await refused(run(raw, body.replace('😀', '😁')), 'InvalidSignatureException');
  });

  it('accepts a role session with its token, and an sts-scoped request', async () => {
    clock = SIGNED_AT;
    const app = await signed({ accessKeyId: 'ASIAAPP', secretAccessKey: 'app-secret', sessionToken: 'app-token' });
    assert.equal(accepted(await run(app.raw, app.body)).credential.name, 'app');
    const sts = await signed({ service: 'sts', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'Action=GetCallerIdentity&Version=2011-06-15' });
    assert.equal(accepted(await run(sts.raw, sts.body)).service, 'sts');
  });

  it('ignores headers that were not signed, and accepts a declared payload hash that matches', async () => {
    clock = SIGNED_AT;
    const { raw, body } = await signed({ applyChecksum: true });
    assert.ok(raw.some((name) => name.toLowerCase() === 'x-amz-content-sha256'));
    accepted(await run([...raw, 'User-Agent', 'something else', 'X-Unsigned', 'x', 'X-Forwarded-For', '10.0.0.1'], body));
  });

  it('verifies the path the client signed: requestContext.path with the stage (/dev/), not the resource path', async () => {
    clock = SIGNED_AT;
    const host = 'abc123defg.execute-api.us-east-1.amazonaws.com';
    const { raw, body } = await signed({ path: '/dev/', host });
    accepted(await run(raw, body, { requestContextPath: '/dev/', path: '/' }));
    // A verifier that took event.path ('/') would compute another canonical request.
    await refused(run(raw, body, { requestContextPath: '/', path: '/' }), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    // And the Host header is part of it: the same request presented for another host fails.
    await refused(run(withHeader(raw, 'host', 'other.example.com'), body, { requestContextPath: '/dev/' }), 'InvalidSignatureException', SIGNATURE_MISMATCH);
  });

  it('verifies a request signed with a Date header instead of X-Amz-Date (an independent SigV4 implementation)', async () => {
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
    accepted(await run(raw, BODY));
    await refused(run(raw, '{"NumberOfBytes":1}'), 'InvalidSignatureException', SIGNATURE_MISMATCH);
  });
});

describe('SigV4 verifier: presigned (query-string) requests', () => {
  async function presigned(options: { expiresIn?: number; region?: string } = {}) {
    const signer = new SignatureV4({ service: 'kms', region: options.region ?? 'us-east-1', credentials: { accessKeyId: 'AKIAALICE', secretAccessKey: 'alice-secret' }, sha256: Sha256 });
    const request = await signer.presign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: '/',
        query: {},
        headers: { host: '127.0.0.1:4599', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.GenerateRandom' },
        body: BODY,
      },
      { signingDate: new Date(SIGNED_AT), expiresIn: options.expiresIn ?? 300 },
    );
    const query: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(request.query ?? {})) query[name] = Array.isArray(value) ? value : [String(value)];
    const raw: string[] = [];
    for (const [name, value] of Object.entries(request.headers)) raw.push(name, String(value));
    return { raw, query };
  }

  it('accepts one within X-Amz-Expires, with the same scope and signature checks', async () => {
    clock = SIGNED_AT + 60_000;
    const { raw, query } = await presigned();
    const result = accepted(await run(raw, BODY, { query }));
    assert.equal(result.credential.name, 'alice');
    await refused(run(raw, '{"NumberOfBytes":17}', { query }), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    // The presigner moves X-Amz-* headers into the query string, where the signature covers them.
    assert.deepEqual(query['x-amz-target'], ['TrentService.GenerateRandom']);
    await refused(run(raw, BODY, { query: { ...query, 'x-amz-target': ['TrentService.CreateKey'] } }), 'InvalidSignatureException', SIGNATURE_MISMATCH);
  });

  it('refuses one past X-Amz-Expires, one dated ahead, a bad X-Amz-Expires and a missing parameter', async () => {
    const { raw, query } = await presigned({ expiresIn: 60 });
    clock = SIGNED_AT + 61_000;
    await refused(run(raw, BODY, { query }), 'InvalidSignatureException', /^Signature expired: 20260101T120000Z/);
    clock = SIGNED_AT - 6 * 60_000;
    await refused(run(raw, BODY, { query }), 'InvalidSignatureException', /^Signature not yet current/);
    clock = SIGNED_AT;
    await refused(run(raw, BODY, { query: { ...query, 'X-Amz-Expires': ['604801'] } }), 'IncompleteSignatureException', /X-Amz-Expires/);
    const { ['X-Amz-Signature']: _dropped, ...unsigned } = query;
    await refused(run(raw, BODY, { query: unsigned }), 'IncompleteSignatureException', /AWS query-string parameters must include/);
  });

  it('refuses a request with both an Authorization header and presigned parameters', async () => {
    clock = SIGNED_AT;
    const { query } = await presigned();
    const { raw } = await signed();
    await refused(run(raw, BODY, { query }), 'IncompleteSignatureException', /Only one auth mechanism allowed/);
  });
});

describe('SigV4 verifier: refused requests', () => {
  it('no Authorization header: MissingAuthenticationTokenException', async () => {
    clock = SIGNED_AT;
    const { raw, body } = await signed();
    await refused(run(withHeader(raw, 'authorization', undefined), body), 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  });

  it('refuses a wrong secret, a changed body and a changed signed header with InvalidSignatureException', async () => {
    clock = SIGNED_AT;
    const wrong = await signed({ secretAccessKey: 'not-test' });
    await refused(run(wrong.raw, wrong.body), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    const good = await signed();
    await refused(run(good.raw, '{"NumberOfBytes":17}'), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    await refused(run(withHeader(good.raw, 'X-Amz-Target', 'TrentService.CreateKey'), good.body), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    const declared = await signed({ applyChecksum: true });
    await refused(run(declared.raw, '{"NumberOfBytes":17}'), 'InvalidSignatureException', SIGNATURE_MISMATCH);
  });

  it('refuses an unknown or disabled access key and a missing, wrong or unexpected session token with UnrecognizedClientException', async () => {
    clock = SIGNED_AT;
    const unknown = await signed({ accessKeyId: 'AKIANOBODY', secretAccessKey: 'x' });
    await refused(run(unknown.raw, unknown.body), 'UnrecognizedClientException', INVALID_TOKEN);
    const disabled = await signed({ accessKeyId: 'AKIAOFF', secretAccessKey: 'off-secret' });
    await refused(run(disabled.raw, disabled.body), 'UnrecognizedClientException', INVALID_TOKEN);
    const noToken = await signed({ accessKeyId: 'ASIAAPP', secretAccessKey: 'app-secret' });
    await refused(run(noToken.raw, noToken.body), 'UnrecognizedClientException', INVALID_TOKEN);
    const wrongToken = await signed({ accessKeyId: 'ASIAAPP', secretAccessKey: 'app-secret', sessionToken: 'other-token' });
    await refused(run(wrongToken.raw, wrongToken.body), 'UnrecognizedClientException', INVALID_TOKEN);
    const extraToken = await signed({ sessionToken: 'app-token' });
    await refused(run(extraToken.raw, extraToken.body), 'UnrecognizedClientException', INVALID_TOKEN);
  });

  it('two Authorization headers, or two Credential parameters in one: IncompleteSignatureException', async () => {
    clock = SIGNED_AT;
    const east = await signed({ region: 'us-east-1' });
    const west = await signed({ region: 'us-west-2' });
    await refused(run([...east.raw, 'Authorization', authorizationOf(west.raw)], east.body), 'IncompleteSignatureException', /Only one Authorization header/);
    const authorization = authorizationOf(east.raw);
    const twoCredentials = authorization.replace('Credential=', 'Credential=test/20260101/us-west-2/kms/aws4_request, Credential=');
    await refused(run(withHeader(east.raw, 'Authorization', twoCredentials), east.body), 'IncompleteSignatureException', /exactly one 'Credential'/);
  });

  it('X-Amz-Target, Content-Type and X-Amz-Security-Token must be signed when present, and occur once', async () => {
    clock = SIGNED_AT;
    const unsignedTarget = await signed({ unsignable: ['x-amz-target'] });
    assert.doesNotMatch(authorizationOf(unsignedTarget.raw), /x-amz-target/);
    await refused(run(unsignedTarget.raw, unsignedTarget.body), 'IncompleteSignatureException', /'x-amz-target' is present in the request and must be a 'SignedHeader'/);
    const unsignedType = await signed({ unsignable: ['content-type'] });
    await refused(run(unsignedType.raw, unsignedType.body), 'IncompleteSignatureException', /'content-type'/);
    const app = await signed({ accessKeyId: 'ASIAAPP', secretAccessKey: 'app-secret', sessionToken: 'app-token', unsignable: ['x-amz-security-token'] });
    await refused(run(app.raw, app.body), 'IncompleteSignatureException', /'x-amz-security-token'/);
    const good = await signed();
    await refused(run([...good.raw, 'X-Amz-Target', 'TrentService.CreateKey'], good.body), 'IncompleteSignatureException', /Only one 'x-amz-target'/);
  });

  it("allows 5 minutes of clock difference either way, with AWS's messages beyond", async () => {
    const { raw, body } = await signed();
    clock = SIGNED_AT + 5 * 60_000;
    accepted(await run(raw, body));
    clock = SIGNED_AT - 5 * 60_000;
    accepted(await run(raw, body));
    clock = SIGNED_AT + 10 * 60_000 + 500;
    await refused(run(raw, body), 'InvalidSignatureException', 'Signature expired: 20260101T120000Z is now earlier than 20260101T120500Z (20260101T121000Z - 5 min.)');
    clock = SIGNED_AT - 6 * 60_000;
    await refused(run(raw, body), 'InvalidSignatureException', 'Signature not yet current: 20260101T120000Z is still later than 20260101T115900Z (20260101T115400Z + 5 min.)');
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
    const noHost = authorizationOf(raw).replace(/SignedHeaders=[^,]+/, 'SignedHeaders=content-type;x-amz-date;x-amz-target');
    await refused(run(withHeader(raw, 'Authorization', noHost), body), 'IncompleteSignatureException', /'Host' or ':authority' must be a 'SignedHeader'/);
  });

  it('names malformed Authorization headers IncompleteSignatureException, saying what is wrong', async () => {
    clock = SIGNED_AT;
    const { raw, body } = await signed();
    const SIG = 'f'.repeat(64);
    const cases: Array<[string, RegExp]> = [
      ['Bearer abc', /'AWS4-HMAC-SHA256' signing algorithm/],
      ['AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/kms/aws4_request', /requires 'Signature' parameter\. Authorization header requires 'SignedHeaders' parameter\./],
      [`AWS4-HMAC-SHA256 Credential=A/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`, /exactly 5 slash-delimited elements/],
      [`AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/kms/aws5, SignedHeaders=host;x-amz-date, Signature=${SIG}`, /valid terminator/],
      [`AWS4-HMAC-SHA256 Credential=A/2026-01-01/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=${SIG}`, /ISO-8601/],
      [`AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=xyz`, /hex-encoded/],
    ];
    for (const [value, message] of cases) await refused(run(withHeader(raw, 'Authorization', value), body), 'IncompleteSignatureException', message);
  });

  it('rejects a scope for another service or a region that is not one', async () => {
    clock = SIGNED_AT;
    const { raw, body } = await signed();
    const authorization = authorizationOf(raw);
    await refused(run(withHeader(raw, 'Authorization', authorization.replace('/kms/', '/s3/')), body), 'InvalidSignatureException', /correct service/);
    await refused(run(withHeader(raw, 'Authorization', authorization.replace('us-east-1', 'moon')), body), 'InvalidSignatureException', /valid region/);
    // Well-formed, but not a region of AWS's: refused before the signature is computed.
    await refused(run(withHeader(raw, 'Authorization', authorization.replace('us-east-1', 'xx-fake-1')), body), 'InvalidSignatureException', /valid region/);
  });

  it('serves any well-formed region name when told to (KMS_ALLOW_ANY_REGION)', async () => {
    clock = SIGNED_AT;
    const anyRegion = createSigV4Verifier<TestCredential>({
      services: ['kms'],
      lookup: (id) => CREDENTIALS.find((c) => c.accessKeyId === id),
      now: () => clock,
      regions: regionNames(true),
    });
    const { raw, body } = await signed({ region: 'xx-fake-1' });
    const verified = await anyRegion.verify(eventRequest(raw, body));
    assert.ok(!(verified instanceof KmsError), String(verified));
    assert.equal(verified.region, 'xx-fake-1');
    await refused(run(raw, body), 'InvalidSignatureException', /valid region/);
  });

  it('reads header and query names that are Object.prototype members as data', async () => {
    clock = SIGNED_AT;
    const { raw, body } = await signed();
    const result = await run([...raw, '__proto__', 'x', 'constructor', 'y'], body, { query: { __proto__: ['1'], toString: ['2'] } as unknown as Record<string, string[]> });
    // Unsigned extra headers and a query string the client did not sign: a signature mismatch, not a crash.
    assert.ok(result instanceof KmsError);
    assert.equal(result.type, 'InvalidSignatureException');
  });
});

describe('basicDate', () => {
  it('formats the ISO-8601 basic format SigV4 uses', () => {
    assert.equal(basicDate(Date.UTC(2026, 0, 1, 0, 0, 0, 999)), '20260101T000000Z');
    assert.equal(basicDate(Date.UTC(2026, 11, 31, 23, 59, 59)), '20261231T235959Z');
  });
});

describe('signedRequestOf', () => {
  it("gathers a header's values under its lower-case name, every spelling and repeat, leaving the event as it was", () => {
    const multiValueHeaders = { 'X-Amz-Date': ['20260101T000000Z'], 'X-Custom': ['a', 'b'], 'x-custom': ['c'], Host: ['h'] };
    const before = structuredClone(multiValueHeaders);
    const request = signedRequestOf({ httpMethod: 'POST', body: '{}', multiValueHeaders });
    assert.deepEqual({ ...request.headers }, { 'x-amz-date': ['20260101T000000Z'], 'x-custom': ['a', 'b', 'c'], host: ['h'] });
    assert.deepEqual(multiValueHeaders, before, 'the event is unchanged');
    // Without multiValueHeaders, from headers.
    const single = signedRequestOf({ httpMethod: 'POST', body: '{}', headers: { 'X-Custom': 'a', 'x-custom': 'b', Host: 'h' } });
    assert.deepEqual({ ...single.headers }, { 'x-custom': ['a', 'b'], host: ['h'] });
  });
});
