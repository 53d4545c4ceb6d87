/**
 * Builds one AWS JSON 1.1 KMS request and signs it once with @smithy/signature-v4 (what the AWS SDK uses),
 * so a load generator can replay the exact bytes. Headers come back ready for autocannon / node:http.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

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

export async function signKmsRequest(options: SignOptions): Promise<SignedKmsRequest> {
  const url = new URL(options.endpoint);
  const body = JSON.stringify(options.input);
  const request = {
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname || '/',
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'content-length': String(Buffer.byteLength(body)),
      'x-amz-target': `TrentService.${options.operation}`,
    },
    query: {},
    body,
  };
  const signer = new SignatureV4({
    service: 'kms',
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: options.accessKeyId ?? 'test', secretAccessKey: options.secretAccessKey ?? 'test' },
    sha256: Sha256,
  });
  const signed = await signer.sign(request, { signingDate: options.signingDate });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[displayName(name)] = String(value);
  return { method: 'POST', path: signed.path, headers, body };
}

/** `x-amz-target` → `X-Amz-Target` (autocannon sets `Content-Length` itself under that exact name). */
function displayName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
