/**
 * The benchmark's reference server must really verify SigV4 (or its requests/s would flatter it):
 * requests signed by @smithy/signature-v4 (the AWS SDK's signer) pass, any tampering fails.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  canonicalContext,
  createReferenceServer,
  createSigV4Verifier,
  type SigV4Request,
} from '../bench/reference-server.js';
import { signKmsRequest, type SignedKmsRequest } from '../support/sign.js';

const ENDPOINT = 'http://127.0.0.1:4599';
const verify = createSigV4Verifier({ credentials: { test: 'test' } });

function lower(headers: Record<string, string>): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

function asIncoming(signed: SignedKmsRequest, patch: Partial<SigV4Request> = {}): SigV4Request {
  return { method: signed.method, url: signed.path, headers: lower(signed.headers), body: Buffer.from(signed.body), ...patch };
}

async function encryptRequest(extra: Partial<Parameters<typeof signKmsRequest>[0]> = {}): Promise<SignedKmsRequest> {
  return signKmsRequest({
    endpoint: ENDPOINT,
    operation: 'Encrypt',
    input: { KeyId: 'alias/bench', Plaintext: Buffer.from('hello world').toString('base64'), EncryptionContext: { a: '1' } },
    ...extra,
  });
}

function assertRejected(result: ReturnType<typeof verify>, type?: string): void {
  assert.equal(result.ok, false, 'request should have been rejected');
  if (!result.ok && type) assert.equal(result.type, type);
}

describe('reference server SigV4 verification', () => {
  it('accepts a request signed by @smithy/signature-v4', async () => {
    const result = verify(asIncoming(await encryptRequest()));
    assert.deepEqual(result, { ok: true, accessKeyId: 'test', region: 'us-east-1', service: 'kms' });
  });

  it('accepts header names in any case and extra unsigned headers', async () => {
    const signed = await encryptRequest();
    const headers = lower(signed.headers);
    headers['user-agent'] = 'autocannon';
    headers.connection = 'keep-alive';
    assert.equal(verify(asIncoming(signed, { headers })).ok, true);
  });

  it('accepts a signature without x-amz-content-sha256 (payload hash from the body)', async () => {
    const body = JSON.stringify({ KeyId: 'k', Plaintext: 'AAAA' });
    const signer = new SignatureV4({
      service: 'kms', region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, sha256: Sha256, applyChecksum: false,
    });
    const signed = await signer.sign({
      method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4599, path: '/', query: {},
      headers: { host: '127.0.0.1:4599', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Encrypt' },
      body,
    });
    assert.equal(signed.headers['x-amz-content-sha256'], undefined);
    const incoming: SigV4Request = { method: 'POST', url: '/', headers: lower(signed.headers as Record<string, string>), body: Buffer.from(body) };
    assert.deepEqual(verify(incoming), { ok: true, accessKeyId: 'test', region: 'eu-west-1', service: 'kms' });
    assertRejected(verify({ ...incoming, body: Buffer.from(body.replace('AAAA', 'AAAB')) }), 'InvalidSignatureException');
  });

  it('accepts a path and query string (canonical URI and query)', async () => {
    const signer = new SignatureV4({ service: 'kms', region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, sha256: Sha256 });
    const signed = await signer.sign({
      method: 'POST', protocol: 'http:', hostname: '127.0.0.1', port: 4599, path: '/a/b%20c', query: { z: '1', a: 'x y' },
      headers: { host: '127.0.0.1:4599' }, body: '{}',
    });
    const incoming: SigV4Request = { method: 'POST', url: '/a/b%20c?z=1&a=x%20y', headers: lower(signed.headers as Record<string, string>), body: Buffer.from('{}') };
    assert.equal(verify(incoming).ok, true);
    assertRejected(verify({ ...incoming, url: '/a/b%20c?z=2&a=x%20y' }), 'InvalidSignatureException');
  });

  it('rejects a tampered body', async () => {
    const signed = await encryptRequest();
    assertRejected(verify(asIncoming(signed, { body: Buffer.from(signed.body.replace('"a":"1"', '"a":"2"')) })), 'InvalidSignatureException');
  });

  it('rejects a tampered body whose x-amz-content-sha256 was recomputed', async () => {
    const signed = await encryptRequest();
    const body = Buffer.from(signed.body.replace('"a":"1"', '"a":"2"'));
    const headers = lower(signed.headers);
    const { createHash } = await import('node:crypto');
    headers['x-amz-content-sha256'] = createHash('sha256').update(body).digest('hex');
    assertRejected(verify(asIncoming(signed, { body, headers })), 'InvalidSignatureException');
  });

  it('rejects a tampered signature', async () => {
    const signed = await encryptRequest();
    const headers = lower(signed.headers);
    const auth = headers.authorization as string;
    const last = auth.at(-1) === '0' ? '1' : '0';
    headers.authorization = auth.slice(0, -1) + last;
    assertRejected(verify(asIncoming(signed, { headers })), 'InvalidSignatureException');
  });

  it('rejects a changed signed header (X-Amz-Target, Host)', async () => {
    const signed = await encryptRequest();
    const target = lower(signed.headers);
    target['x-amz-target'] = 'TrentService.Decrypt';
    assertRejected(verify(asIncoming(signed, { headers: target })), 'InvalidSignatureException');
    const host = lower(signed.headers);
    host.host = '127.0.0.1:4600';
    assertRejected(verify(asIncoming(signed, { headers: host })), 'InvalidSignatureException');
    const missing = lower(signed.headers);
    delete missing['x-amz-target'];
    assertRejected(verify(asIncoming(signed, { headers: missing })), 'InvalidSignatureException');
  });

  it('rejects the wrong secret, an unknown access key and a missing Authorization', async () => {
    assertRejected(verify(asIncoming(await encryptRequest({ secretAccessKey: 'not-test' }))), 'InvalidSignatureException');
    assertRejected(verify(asIncoming(await encryptRequest({ accessKeyId: 'other' }))), 'UnrecognizedClientException');
    const signed = await encryptRequest();
    const headers = lower(signed.headers);
    delete headers.authorization;
    assertRejected(verify(asIncoming(signed, { headers })), 'MissingAuthenticationTokenException');
  });

  it('rejects a stale signature (more than 15 minutes old)', async () => {
    const signed = await encryptRequest({ signingDate: new Date(Date.now() - 20 * 60 * 1000) });
    assertRejected(verify(asIncoming(signed)), 'InvalidSignatureException');
  });

  it('derives each signing key once (cache) and still checks every request', async () => {
    const signed = await encryptRequest();
    for (let i = 0; i < 3; i++) assert.equal(verify(asIncoming(signed)).ok, true);
    assertRejected(verify(asIncoming(signed, { body: Buffer.from(signed.body + ' ') })));
  });
});

describe('reference server canonical encryption context', () => {
  it('is independent of key order and distinguishes different maps', () => {
    assert.deepEqual(canonicalContext({ b: '2', a: '1' }), canonicalContext({ a: '1', b: '2' }));
    assert.notDeepEqual(canonicalContext({ ab: 'c' }), canonicalContext({ a: 'bc' }));
    assert.equal(canonicalContext(undefined).length, 0);
    assert.equal(canonicalContext({}).length, 0);
  });
});

describe('reference server over HTTP', () => {
  let server: Server;
  let endpoint: string;

  before(async () => {
    server = createReferenceServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  function send(signed: SignedKmsRequest, body = signed.body): Promise<{ status: number; json: Record<string, unknown> }> {
    const url = new URL(endpoint);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, method: signed.method, path: signed.path, headers: { ...signed.headers, 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('encrypts a correctly signed request', async () => {
    const plaintext = Buffer.alloc(1024, 7);
    const signed = await signKmsRequest({
      endpoint, operation: 'Encrypt', input: { KeyId: 'alias/bench', Plaintext: plaintext.toString('base64'), EncryptionContext: { a: '1' } },
    });
    const { status, json } = await send(signed);
    assert.equal(status, 200, JSON.stringify(json));
    assert.match(String(json.KeyId), /^arn:aws:kms:us-east-1:111122223333:key\//);
    assert.equal(json.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
    assert.equal(Buffer.from(String(json.CiphertextBlob), 'base64').length, 12 + 1024 + 16);
  });

  it('answers 400 InvalidSignatureException (as AWS) to a tampered body', async () => {
    const signed = await signKmsRequest({ endpoint, operation: 'Encrypt', input: { KeyId: 'k', Plaintext: 'AAAA' } });
    const { status, json } = await send(signed, signed.body.replace('AAAA', 'AAAB'));
    assert.equal(status, 400);
    assert.equal(json.__type, 'InvalidSignatureException');
  });
});
