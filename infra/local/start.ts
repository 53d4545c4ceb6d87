/**
 * `npm start`: the KMS API on a laptop or in CI, every key kept in KMS_DATA_DIR across restarts.
 *
 *   KMS_PORT (4599)  KMS_HOST (127.0.0.1)  KMS_DATA_DIR (./.kms-data)  KMS_DYNAMODB_PORT (4598)
 *   KMS_JOB_INTERVAL_MS (60000; 0: no scheduled jobs)
 *   KMS_REGIONS (us-east-1,us-west-2: replicated like a global table)  KMS_REPLICATION_POLL_MS  KMS_REPLICATION_DELAY_MS
 *   KMS_RECOVERY_DECRYPT (false)  KMS_WORKERS (the number of cores: API processes on the one port)
 *   plus what shared/config.ts reads: KMS_TABLE_NAME, AWS_REGION, KMS_ROOT_KEY(_FILE), KMS_CACHE_TTL_MS, LOG_LEVEL
 *
 * Port 0 picks a free port; the lines printed on stdout say which (tests/run.ts reads them).
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { runApiWorker } from './api-worker.js';
import { credentialsFilePath } from './credentials.js';
import { startLocalService, type LocalService } from './service.js';
import { positiveSetting } from './settings.js';

// The AWS SDK warns at start-up that its 2027 releases will need Node 22; for a local server that
// message is noise on the first screen a newcomer sees. (Read when the first client is built.)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function portSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${name} must be a port number (0 for any free port), got '${raw}'`);
  return port;
}

async function main() {
  let service: LocalService | undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    // A second Ctrl-C while stopping must not leave java behind: the 'exit' hook kills it.
    process.once(signal as NodeJS.Signals, () => process.exit(130));
    void (service?.stop() ?? Promise.resolve()).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('error while stopping', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  service = await startLocalService({
    port: portSetting('KMS_PORT', 4599),
    host: process.env.KMS_HOST || '127.0.0.1',
    dataDir: process.env.KMS_DATA_DIR || '.kms-data',
    dynamodbPort: portSetting('KMS_DYNAMODB_PORT', 4598),
    workers: positiveSetting(process.env, 'KMS_WORKERS') ?? availableParallelism(),
    env: process.env,
    onStoreLost: (error) => {
      console.error(`KMS local service stops: ${error.message}`);
      void service?.stop().finally(() => process.exit(1));
    },
  });
  if (stopping) return void (await service.stop()); // a signal arrived while starting

  const { endpoint, dynamodbEndpoint, globalRegions, timings, workers } = service;
  console.log(`KMS endpoint: ${endpoint}`);
  console.log(`API processes: ${workers} (KMS_WORKERS; each caches keys, and hears of every write before it is acknowledged)`);
  if (service.httpsEndpoint) console.log(`KMS endpoint (HTTPS): ${service.httpsEndpoint} (certificate: ${service.tlsCertificate}; aws --ca-bundle, AWS_CA_BUNDLE)`);
  console.log(`DynamoDB Local: ${dynamodbEndpoint}`);
  console.log(`Data: ${process.env.KMS_DATA_DIR || '.kms-data'} (ready in ${timings.totalMs} ms, DynamoDB Local ${timings.dynamodbLocalMs} ms)`);
  console.log(`Credentials: ${credentialsFilePath(process.env)}`);
  console.log('Try (with the default credentials file):');
  console.log(`  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws kms create-key --endpoint-url ${endpoint} --region us-east-1`);
  console.log('Scheduled jobs (rotation, deletion, expiry) run every minute; rehearse time with e.g.');
  console.log('  npm run job -- rotation --now 2030-01-01T00:00:00Z    (events: npm run events; audit: npm run audit -- --key-id <id>)');
  if (globalRegions.length > 1) {
    console.log(`Global table (replicated): ${globalRegions.join(', ')}; rehearse an outage with e.g.`);
    console.log(`  npm run region -- down ${globalRegions[0]}    (and: up, status, fail <region> --recovery <region>)`);
  }
  console.log('Ctrl-C stops it.');
}

const started = cluster.isWorker ? Promise.resolve(runApiWorker()) : main();
started.catch((error: unknown) => {
  console.error('KMS local service failed to start:', error instanceof Error ? error.message : error);
  process.exit(1); // the 'exit' hook of the DynamoDB Local launcher kills java if it is still there
});
