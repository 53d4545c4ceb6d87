/**
 * SigV4 signing for the tests and the bench, with @smithy/signature-v4 as the AWS SDK signs: one
 * primitive (`signHeaders`) and the request shapes built on it.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigningInput {
  /** Base URL of the target, e.g. http://127.0.0.1:4599 */
  endpoint: string;
  body: string;
  /** Headers to sign besides Host (which comes from the endpoint). */
  headers: Record<string, string>;
  region?: string;
  /** Default: test/test, the root of the local default account. */
  credentials?: Credentials;
  signingDate?: Date;
}

/** Signs a POST to `endpoint`; returns the path and the signed headers (lower-case names, Host included). */
export async function signHeaders(input: SigningInput): Promise<{ path: string; headers: Record<string, string> }> {
  const url = new URL(input.endpoint);
  const signer = new SignatureV4({
    service: 'kms',
    region: input.region ?? 'us-east-1',
    credentials: input.credentials ?? { accessKeyId: 'test', secretAccessKey: 'test' },
    sha256: Sha256,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname || '/',
      query: {},
      headers: { host: url.host, ...input.headers },
      body: input.body,
    },
    { signingDate: input.signingDate },
  );
  return { path: signed.path, headers: signed.headers as Record<string, string> };
}

export interface SignedKmsRequest {
  method: 'POST';
  path: string;
  /** Header names as sent (Host, Content-Length included). */
  headers: Record<string, string>;
  body: string;
}

export interface SignOptions {
  /** Base URL of the target, e.g. http://127.0.0.1:4599 */
  endpoint: string;
  /** KMS operation, e.g. Encrypt */
  operation: string;
  input: unknown;
  region?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  signingDate?: Date;
}

/** One AWS JSON 1.1 KMS request signed once, so a load generator can replay the exact bytes. */
export async function signKmsRequest(options: SignOptions): Promise<SignedKmsRequest> {
  const body = JSON.stringify(options.input);
  const signed = await signHeaders({
    endpoint: options.endpoint,
    body,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': String(Buffer.byteLength(body)),
      'x-amz-target': `TrentService.${options.operation}`,
    },
    region: options.region,
    credentials: { accessKeyId: options.accessKeyId ?? 'test', secretAccessKey: options.secretAccessKey ?? 'test' },
    signingDate: options.signingDate,
  });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[displayName(name)] = String(value);
  return { method: 'POST', path: signed.path, headers, body };
}

/** `x-amz-target` → `X-Amz-Target` (autocannon sets `Content-Length` itself under that exact name). */
function displayName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
