/**
 * HTTPS for the local service (some clients speak nothing else): `KMS_TLS_CERT` and `KMS_TLS_KEY` (PEM
 * files), or `KMS_TLS=self-signed`, which makes a certificate for localhost and 127.0.0.1 into
 * `<dataDir>/tls/` at the first start (with OpenSSL) and reuses it afterwards; clients trust it as their
 * CA bundle (`aws --ca-bundle`, `AWS_CA_BUNDLE`, or the SDK's https agent).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  /** The certificate's path: what clients pass as their CA bundle. */
  certPath: string;
}

/** The TLS settings of `env`, or undefined for HTTP only; a wrong setting is an Error naming it. */
export async function tlsFiles(env: Record<string, string | undefined>, dataDir: string): Promise<TlsFiles | undefined> {
  const certPath = env.KMS_TLS_CERT;
  const keyPath = env.KMS_TLS_KEY;
  if (certPath || keyPath) {
    if (!certPath || !keyPath) throw new Error('KMS_TLS_CERT and KMS_TLS_KEY go together: set both (PEM files)');
    const [cert, key] = await Promise.all([
      readFile(certPath).catch(() => Promise.reject(new Error(`KMS_TLS_CERT ${certPath} cannot be read`))),
      readFile(keyPath).catch(() => Promise.reject(new Error(`KMS_TLS_KEY ${keyPath} cannot be read`))),
    ]);
    return { cert, key, certPath };
  }
  const mode = (env.KMS_TLS ?? '').trim();
  if (mode === '' || mode === 'false' || mode === 'off') return undefined;
  if (mode !== 'self-signed') throw new Error(`KMS_TLS must be self-signed (or set KMS_TLS_CERT and KMS_TLS_KEY), got '${mode}'`);
  const dir = join(dataDir, 'tls');
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  if (!existsSync(files.cert) || !existsSync(files.key)) await selfSigned(dir, files);
  return { cert: await readFile(files.cert), key: await readFile(files.key), certPath: files.cert };
}

async function selfSigned(dir: string, files: { cert: string; key: string }): Promise<void> {
  await mkdir(dir, { recursive: true });
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '825',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      '-keyout', files.key, '-out', files.cert,
    ]);
  } catch (error) {
    throw new Error(`KMS_TLS=self-signed needs OpenSSL on PATH to make its certificate: ${(error as Error).message.split('\n')[0]}`);
  }
  await chmod(files.key, 0o600);
}
