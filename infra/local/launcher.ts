/**
 * The local KMS for another project's tests: `const kms = await startKms({ seed, regions })` starts the
 * service (DynamoDB Local included; Java 17+ on PATH) on free ports with a temporary data directory, and
 * returns its endpoint, the credentials it accepts, `reset()` (every key gone, no restart) and `stop()`.
 * `infra/local/launcher.mjs` is the package's entry point; `npx kms-local start` the same from a shell.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadCredentials } from './credentials.js';
import { startLocalService } from './service.js';

export interface StartKmsOptions {
  /** KMS port; default 0 (a free one). */
  port?: number;
  /** Where keys live; default a temporary directory, removed by stop(). */
  dataDir?: string;
  /** A seed file (YAML or JSON) of keys to make at start (KMS_SEED_FILE). */
  seed?: string;
  /** The regions that replicate as one global table (KMS_REGIONS); default us-east-1 alone. */
  regions?: string[];
  /** The region of requests that name none (AWS_REGION); default the first of `regions`. */
  region?: string;
  /** More settings, as the environment variables of `npm start` (LOG_LEVEL, KMS_TLS, ...). */
  env?: Record<string, string>;
}

export interface RunningKms {
  endpoint: string;
  region: string;
  /** Credentials the service accepts: the credentials file's first (by default test/test, the root of account 111122223333). */
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  dataDir: string;
  /** Empties every region's keys without a restart (a seed file is applied again at the next start). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startKms(options: StartKmsOptions = {}): Promise<RunningKms> {
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ? resolve(options.dataDir) : await mkdtemp(join(tmpdir(), 'kms-local-'));
  const regions = options.regions ?? ['us-east-1'];
  const region = options.region ?? regions[0] ?? 'us-east-1';
  const env = {
    ...process.env,
    LOG_LEVEL: 'ERROR',
    AWS_REGION: region,
    KMS_REGIONS: regions.join(','),
    ...(options.seed ? { KMS_SEED_FILE: resolve(options.seed) } : {}),
    ...options.env,
  };
  const service = await startLocalService({ port: options.port ?? 0, dynamodbPort: 0, dataDir, env }).catch(async (error: unknown) => {
    if (temporary) await rm(dataDir, { recursive: true, force: true });
    throw error;
  });
  // The first credential of the credentials file the service was seeded from (KMS_CREDENTIALS_FILE in `env`).
  const [first] = loadCredentials(env).principals;
  return {
    endpoint: service.endpoint,
    region,
    credentials: { accessKeyId: first!.accessKeyId, secretAccessKey: first!.secretAccessKey, ...(first!.sessionToken ? { sessionToken: first!.sessionToken } : {}) },
    dataDir,
    async reset() {
      const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
      const answer = await fetch(`${service.endpoint}/!admin/reset`, { method: 'POST', headers: { 'x-kms-admin-token': token } });
      if (answer.status !== 200) throw new Error(`reset failed: HTTP ${answer.status} ${await answer.text()}`);
    },
    async stop() {
      await service.stop();
      if (temporary) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
