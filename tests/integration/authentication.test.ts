/**
 * SigV4 authentication over HTTP, by the API function itself (shared/protocol/sigv4.ts) in AWS and
 * locally alike, against the service credentials the test harness seeds from its credentials file
 * (tests/fixtures/credentials.json, principals in tests/integration/principals.ts): every principal is
 * let in as itself; a wrong secret, an unknown key, a missing or wrong session token, a request changed
 * after signing and a stale one are refused with AWS's errors, and a refused request changes nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { KMS } from '@aws-sdk/client-kms';
import { SignatureV4 } from '@smithy/signature-v4';
import { endpoint, expectKmsError } from './helpers.js';
import { PRINCIPALS, clientFor, credentialsOf, signedCall, type PrincipalName, type SignedCallResult } from './principals.js';

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const INVALID_TOKEN = 'The security token included in the request is invalid.';
const BASIC = '\\d{8}T\\d{6}Z';

/** A KMS client with arbitrary credentials (no retries). */
function clientWith(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, region = 'us-east-1') {
  return new KMS({ endpoint: endpoint(), region, credentials, maxAttempts: 1 });
}

function expectRefused(result: SignedCallResult, type: string, message?: string | RegExp) {
  assert.equal(result.status, 400, `expected HTTP 400 ${type}, got ${result.status}: ${result.text}`);
  assert.equal(result.json?.__type, type, result.text);
  if (typeof message === 'string') assert.equal(result.json?.message, message);
  else if (message) assert.match(String(result.json?.message), message);
}

/** `20260101T120000Z` of an instant, as X-Amz-Date has it. */
const basic = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');

describe('authentication: the principals of the credentials file', () => {
  for (const name of Object.keys(PRINCIPALS) as PrincipalName[]) {
    test(`${name} (${PRINCIPALS[name].arn}) is let in and owns keys in its account`, async () => {
      const kms = clientFor(name);
      const random = await kms.generateRandom({ NumberOfBytes: 16 });
      assert.equal(random.Plaintext?.length, 16);
      const { KeyMetadata } = await kms.createKey({ Description: `authentication ${name} ${randomUUID()}` });
      assert.equal(KeyMetadata?.AWSAccountId, PRINCIPALS[name].account);
      assert.match(KeyMetadata!.Arn!, new RegExp(`^arn:aws:kms:us-east-1:${PRINCIPALS[name].account}:key/`));
      const described = await kms.describeKey({ KeyId: KeyMetadata!.KeyId });
      assert.equal(described.KeyMetadata?.Arn, KeyMetadata!.Arn);
    });
  }

  test('a raw request signed by @smithy/signature-v4 passes too (the harness of the tests below)', async () => {
    const result = await signedCall('bob', 'GenerateRandom', { NumberOfBytes: 8 });
    assert.equal(result.status, 200, result.text);
    assert.equal(Buffer.from(String(result.json?.Plaintext), 'base64').length, 8);
  });
});

describe('authentication: refused requests', () => {
  test('no Authorization header: MissingAuthenticationTokenException', async () => {
    const response = await fetch(endpoint(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'TrentService.GenerateRandom' },
      body: '{}',
    });
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
  });

  test('a wrong secret: InvalidSignatureException', async () => {
    const alice = credentialsOf('alice');
    await expectKmsError(
      clientWith({ ...alice, secretAccessKey: `${alice.secretAccessKey}x` }).generateRandom({ NumberOfBytes: 8 }),
      'InvalidSignatureException',
      SIGNATURE_MISMATCH,
    );
    // Another principal's secret is a wrong secret too.
    await expectKmsError(
      clientWith({ accessKeyId: alice.accessKeyId, secretAccessKey: credentialsOf('bob').secretAccessKey }).generateRandom({ NumberOfBytes: 8 }),
      'InvalidSignatureException',
      SIGNATURE_MISMATCH,
    );
  });

  test('an unknown access key id: UnrecognizedClientException', async () => {
    await expectKmsError(
      clientWith({ accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'whatever' }).generateRandom({ NumberOfBytes: 8 }),
      'UnrecognizedClientException',
      INVALID_TOKEN,
    );
    // Access key ids are case-sensitive.
    await expectKmsError(clientWith({ accessKeyId: 'TEST', secretAccessKey: 'test' }).generateRandom({ NumberOfBytes: 8 }), 'UnrecognizedClientException', INVALID_TOKEN);
  });

  test('a role session without its session token, or with a wrong one: UnrecognizedClientException', async () => {
    const app = credentialsOf('app');
    assert.ok(app.sessionToken);
    await expectKmsError(
      clientWith({ accessKeyId: app.accessKeyId, secretAccessKey: app.secretAccessKey }).generateRandom({ NumberOfBytes: 8 }),
      'UnrecognizedClientException',
      INVALID_TOKEN,
    );
    await expectKmsError(clientWith({ ...app, sessionToken: `${app.sessionToken}x` }).generateRandom({ NumberOfBytes: 8 }), 'UnrecognizedClientException', INVALID_TOKEN);
    // A session token on long-term credentials is refused the same way.
    await expectKmsError(clientWith({ ...credentialsOf('alice'), sessionToken: app.sessionToken }).generateRandom({ NumberOfBytes: 8 }), 'UnrecognizedClientException', INVALID_TOKEN);
  });

  test('a body or a signed header changed after signing: InvalidSignatureException', async () => {
    const body = await signedCall('alice', 'GenerateRandom', { NumberOfBytes: 8 }, { tamper: (r) => void (r.body = '{"NumberOfBytes":9}') });
    expectRefused(body, 'InvalidSignatureException', SIGNATURE_MISMATCH);
    const target = await signedCall('alice', 'GenerateRandom', { NumberOfBytes: 8 }, {
      tamper: (r) => void (r.headers['x-amz-target'] = 'TrentService.GetKeyRotationStatus'),
    });
    expectRefused(target, 'InvalidSignatureException', SIGNATURE_MISMATCH);
    // A header that was not signed may change (proxies add some).
    const unsigned = await signedCall('alice', 'GenerateRandom', { NumberOfBytes: 8 }, { tamper: (r) => void (r.headers['user-agent'] = 'changed') });
    assert.equal(unsigned.status, 200, unsigned.text);
  });

  test('signed more than 5 minutes ago, or ahead: InvalidSignatureException with AWS\'s message', async () => {
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    const stale = await signedCall('root', 'GenerateRandom', { NumberOfBytes: 8 }, { signingDate: tenMinutesAgo });
    expectRefused(stale, 'InvalidSignatureException', new RegExp(`^Signature expired: ${basic(tenMinutesAgo)} is now earlier than (${BASIC}) \\((${BASIC}) - 5 min\\.\\)$`));
    const ahead = new Date(Date.now() + 10 * 60_000);
    const future = await signedCall('root', 'GenerateRandom', { NumberOfBytes: 8 }, { signingDate: ahead });
    expectRefused(future, 'InvalidSignatureException', new RegExp(`^Signature not yet current: ${basic(ahead)} is still later than ${BASIC} \\(${BASIC} \\+ 5 min\\.\\)$`));
    // Within the window is fine.
    const recent = await signedCall('root', 'GenerateRandom', { NumberOfBytes: 8 }, { signingDate: new Date(Date.now() - 2 * 60_000) });
    assert.equal(recent.status, 200, recent.text);
  });

  test('a credential scope date that is not the X-Amz-Date day: InvalidSignatureException', async () => {
    const result = await signedCall('root', 'GenerateRandom', { NumberOfBytes: 8 }, {
      tamper: (r) => {
        const day = r.headers['x-amz-date']!.slice(0, 8);
        const other = day.endsWith('01') ? `${day.slice(0, 6)}02` : `${day.slice(0, 6)}01`;
        r.headers['x-amz-date'] = `${other}T000000Z`;
      },
    });
    expectRefused(
      result,
      'InvalidSignatureException',
      /^Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '\d{8}' != '\d{8}', from '\d{8}T000000Z'\.$/,
    );
  });

  test('a refused request changes nothing', async () => {
    // dave's account in a region no other test uses: its key list is known to be empty.
    const region = 'af-south-1';
    const dave = clientFor('dave', region);
    const before = (await dave.listKeys({})).Keys ?? [];
    const description = `refused ${randomUUID()}`;
    const input = { Description: description };
    const attempts: Array<[string, Promise<SignedCallResult>, string]> = [
      ['wrong secret', signedCall('dave', 'CreateKey', input, { region, credentials: { ...credentialsOf('dave'), secretAccessKey: 'guess' } }), 'InvalidSignatureException'],
      ['stale', signedCall('dave', 'CreateKey', input, { region, signingDate: new Date(Date.now() - 10 * 60_000) }), 'InvalidSignatureException'],
      ['body changed', signedCall('dave', 'CreateKey', input, { region, tamper: (r) => void (r.body = JSON.stringify({ Description: `${description}!` })) }), 'InvalidSignatureException'],
      ['target changed', signedCall('dave', 'GenerateRandom', input, { region, tamper: (r) => void (r.headers['x-amz-target'] = 'TrentService.CreateKey') }), 'InvalidSignatureException'],
      ['unknown key', signedCall('dave', 'CreateKey', input, { region, credentials: { accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'x' } }), 'UnrecognizedClientException'],
    ];
    for (const [what, attempt, type] of attempts) {
      const result = await attempt;
      assert.equal(result.json?.__type, type, `${what}: ${result.text}`);
    }
    assert.deepEqual((await dave.listKeys({})).Keys ?? [], before, 'no key was created');

    // And an alias: a refused CreateAlias leaves no alias behind.
    const { KeyMetadata } = await clientFor('alice').createKey({ Description: description });
    const aliasName = `alias/refused-${randomUUID()}`;
    const refused = await signedCall('alice', 'CreateAlias', { AliasName: aliasName, TargetKeyId: KeyMetadata!.KeyId }, {
      credentials: { ...credentialsOf('alice'), secretAccessKey: 'guess' },
    });
    expectRefused(refused, 'InvalidSignatureException', SIGNATURE_MISMATCH);
    await expectKmsError(clientFor('alice').describeKey({ KeyId: aliasName }), 'NotFoundException');
    const aliases = await clientFor('alice').listAliases({ KeyId: KeyMetadata!.KeyId });
    assert.deepEqual(aliases.Aliases ?? [], []);
  });
});

/**
 * The holes the verifier of the local gateway had (each of these was accepted before the one verifier
 * in the API function): a request validly signed for one region served in another, an operation
 * switched on a captured request, presigned requests refused, any Content-Type processed.
 */
/** An unsigned POST to the service's endpoint (its path as a client configured with it sends it), and its signer. */
function unsignedRequest(service: string, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, headers: Record<string, string>, body: string, region = 'us-east-1') {
  const url = new URL(endpoint());
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256 });
  const request = {
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`,
    query: {},
    headers: { host: url.host, ...headers },
    body,
  };
  return { url, signer, request };
}

describe('authentication: exactly what the client signed, once', () => {
  const BODY = JSON.stringify({ NumberOfBytes: 8 });

  async function signedRequest(options: { region?: string; target?: string; unsignable?: string[]; contentType?: string; body?: string } = {}) {
    const headers = { 'content-type': options.contentType ?? 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${options.target ?? 'GenerateRandom'}` };
    const { signer, request } = unsignedRequest('kms', { accessKeyId: 'test', secretAccessKey: 'test' }, headers, options.body ?? BODY, options.region);
    const signed = await signer.sign(request, options.unsignable ? { unsignableHeaders: new Set(options.unsignable) } : {});
    return { path: signed.path, headers: { ...(signed.headers as Record<string, string>) }, body: options.body ?? BODY };
  }

  /** POSTs with node:http, which can send a header twice (fetch joins repeats). */
  function send(path: string, headers: Record<string, string | string[]>, body: string): Promise<SignedCallResult> {
    const url = new URL(endpoint());
    return new Promise((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method: 'POST', path }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined }));
      });
      req.on('error', reject);
      for (const [name, value] of Object.entries(headers)) if (name !== 'host') req.setHeader(name, value);
      req.end(body);
    });
  }

  test('two Authorization headers (one valid for us-east-1, one naming us-west-2): IncompleteSignatureException', async () => {
    const east = await signedRequest({ region: 'us-east-1' });
    const west = await signedRequest({ region: 'ca-west-1' });
    const result = await send(east.path, { ...east.headers, authorization: [east.headers.authorization!, west.headers.authorization!] }, east.body);
    expectRefused(result, 'IncompleteSignatureException', /Only one Authorization header/);
  });

  test('two Credential parameters in one Authorization header: IncompleteSignatureException', async () => {
    const east = await signedRequest({ region: 'us-east-1' });
    const scope = /Credential=test\/(\d{8})\//.exec(east.headers.authorization!)![1];
    const doubled = east.headers.authorization!.replace('Credential=', `Credential=test/${scope}/ca-west-1/kms/aws4_request, Credential=`);
    expectRefused(await send(east.path, { ...east.headers, authorization: doubled }, east.body), 'IncompleteSignatureException', /exactly one 'Credential'/);
  });

  test('an unsigned X-Amz-Target cannot switch a captured request to another operation', async () => {
    const captured = await signedRequest({ unsignable: ['x-amz-target'], body: JSON.stringify({ Description: 'switched' }) });
    assert.doesNotMatch(captured.headers.authorization!, /x-amz-target/);
    const switched = await send(captured.path, { ...captured.headers, 'x-amz-target': 'TrentService.CreateKey' }, captured.body);
    expectRefused(switched, 'IncompleteSignatureException', /'x-amz-target' is present in the request and must be a 'SignedHeader'/);
    const unsignedType = await signedRequest({ unsignable: ['content-type'] });
    expectRefused(await send(unsignedType.path, unsignedType.headers, unsignedType.body), 'IncompleteSignatureException', /'content-type'/);
  });

  test('a presigned (query-string) request is verified like a signed one', async () => {
    const operation = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.GenerateRandom' };
    const { signer, request } = unsignedRequest('kms', credentialsOf('alice'), operation, BODY);
    const presigned = await signer.presign(request, { expiresIn: 300 });
    const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
    const headers = { ...(presigned.headers as Record<string, string>) };
    const accepted = await send(`${presigned.path}?${query}`, headers, BODY);
    assert.equal(accepted.status, 200, accepted.text);
    assert.equal(Buffer.from(String(accepted.json?.Plaintext), 'base64').length, 8);
    expectRefused(await send(`${presigned.path}?${query}`, headers, JSON.stringify({ NumberOfBytes: 9 })), 'InvalidSignatureException', SIGNATURE_MISMATCH);
    const tampered = query.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`);
    expectRefused(await send(`${presigned.path}?${tampered}`, headers, BODY), 'InvalidSignatureException', SIGNATURE_MISMATCH);
  });

  test('Content-Type: AWS JSON 1.1 or JSON (with parameters) is served; any other media type is UnknownOperationException', async () => {
    for (const contentType of ['application/x-amz-json-1.1', 'application/x-amz-json-1.1; charset=utf-8', 'application/json']) {
      const signed = await signedRequest({ contentType });
      const result = await send(signed.path, signed.headers, signed.body);
      assert.equal(result.status, 200, `${contentType}: ${result.text}`);
    }
    for (const contentType of ['application/octet-stream', 'text/plain', 'application/x-www-form-urlencoded']) {
      const signed = await signedRequest({ contentType });
      const result = await send(signed.path, signed.headers, signed.body);
      assert.equal(result.status, 400, `${contentType}: ${result.text}`);
      assert.equal(result.json?.__type, 'UnknownOperationException', `${contentType}: ${result.text}`);
    }
  });
});

describe('STS GetCallerIdentity on the KMS endpoint', () => {
  async function stsCall(name: PrincipalName | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, body: string) {
    const credentials = typeof name === 'string' ? credentialsOf(name) : name;
    const { url, signer, request } = unsignedRequest('sts', credentials, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body);
    const signed = await signer.sign(request);
    const headers = { ...(signed.headers as Record<string, string>) };
    delete headers.host;
    const response = await fetch(`${url.origin}${signed.path}`, { method: 'POST', headers, body });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  }

  test('answers who the caller is, in STS\'s XML, for every kind of principal', async () => {
    for (const name of Object.keys(PRINCIPALS) as PrincipalName[]) {
      const result = await stsCall(name, 'Action=GetCallerIdentity&Version=2011-06-15');
      assert.equal(result.status, 200, result.text);
      assert.equal(result.type, 'text/xml');
      assert.match(result.text, /^<GetCallerIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
      assert.ok(result.text.includes(`<Arn>${PRINCIPALS[name].arn}</Arn>`), result.text);
      assert.ok(result.text.includes(`<Account>${PRINCIPALS[name].account}</Account>`), result.text);
      assert.match(result.text, /<UserId>(\d{12}|AIDA[A-Z2-7]{17}|AROA[A-Z2-7]{17}:[\w+=,.@-]+)<\/UserId>/);
      assert.match(result.text, /<RequestId>[0-9a-f-]{36}<\/RequestId>/);
    }
  });

  test('other actions and bad signatures get STS\'s XML errors', async () => {
    const other = await stsCall('alice', 'Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fx&RoleSessionName=s');
    assert.equal(other.status, 400);
    assert.match(other.text, /<Code>InvalidAction<\/Code>/);
    assert.match(other.text, /<Message>Could not find operation AssumeRole for version 2011-06-15<\/Message>/);
    const wrong = await stsCall({ ...credentialsOf('alice'), secretAccessKey: 'guess' }, 'Action=GetCallerIdentity&Version=2011-06-15');
    assert.equal(wrong.status, 403);
    assert.match(wrong.text, /<Type>Sender<\/Type>\s*<Code>SignatureDoesNotMatch<\/Code>/);
    const unknown = await stsCall({ accessKeyId: 'AKIANOBODY0000000000', secretAccessKey: 'x' }, 'Action=GetCallerIdentity&Version=2011-06-15');
    assert.equal(unknown.status, 403);
    assert.match(unknown.text, /<Code>InvalidClientTokenId<\/Code>/);
  });
});
