/**
 * HTTPS (KMS_TLS=self-signed, infra/local/tls.ts): the service makes its certificate into the data
 * directory, serves the API over HTTPS beside HTTP, and the AWS CLI and the SDK work against it with that
 * certificate as their CA bundle (and refuse it without). Own service, in-process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KMS } from '@aws-sdk/client-kms';
import { startLocalService, type LocalService } from '../../infra/local/service.js';
import { AWS_CLI } from '../support/aws-cli.js';

describe('HTTPS with a self-signed certificate', { timeout: 120_000 }, () => {
  let dir: string;
  let service: LocalService;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kms-tls-'));
    service = await startLocalService({ port: 0, dynamodbPort: 0, dataDir: dir, jobIntervalMs: 0, env: { KMS_TLS: 'self-signed', KMS_TLS_PORT: '0', KMS_REGIONS: 'us-east-1', LOG_LEVEL: 'ERROR' } });
  });
  after(async () => {
    await service?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves HTTPS beside HTTP, with its certificate in the data directory', () => {
    assert.match(service.httpsEndpoint ?? '', /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(service.endpoint, /^http:\/\//);
    assert.equal(service.tlsCertificate, join(dir, 'tls', 'cert.pem'));
  });

  it('the SDK encrypts and decrypts with the certificate as its CA, and refuses the connection without it', async () => {
    const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
    const kms = new KMS({
      endpoint: service.httpsEndpoint,
      region: 'us-east-1',
      credentials,
      requestHandler: { httpsAgent: new Agent({ ca: readFileSync(service.tlsCertificate!) }) },
    });
    const keyId = (await kms.createKey({})).KeyMetadata!.KeyId!;
    const blob = (await kms.encrypt({ KeyId: keyId, Plaintext: Buffer.from('over TLS') })).CiphertextBlob!;
    assert.equal(Buffer.from((await kms.decrypt({ CiphertextBlob: blob })).Plaintext!).toString(), 'over TLS');
    const untrusting = new KMS({ endpoint: service.httpsEndpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    await assert.rejects(untrusting.listKeys({}), /self.signed|certificate/i);
  });

  it('the AWS CLI works with --ca-bundle', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        AWS_CLI,
        ['kms', 'create-key', '--description', 'over TLS', '--endpoint-url', service.httpsEndpoint!, '--ca-bundle', service.tlsCertificate!, '--region', 'us-east-1', '--output', 'json'],
        { env: { PATH: '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' }, timeout: 60_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    assert.equal((JSON.parse(out) as { KeyMetadata: { Description: string } }).KeyMetadata.Description, 'over TLS');
  });
});
