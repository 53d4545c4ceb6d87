/**
 * The whole local service in one call: DynamoDB Local, the table in every region, the root key, the
 * real KMS API handler, and the API Gateway emulator in front of it; with `workers`, the API is served
 * by that many worker processes on the one port (infra/local/worker-pool.ts).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import { loadConfig } from '../../shared/config.js';
import { regionNames } from '../../shared/regions.js';
import { createServices } from '../../shared/services.js';
import { createAdminHandler, ensureAdminToken, runtimeFilePath } from './admin.js';
import { createApiGatewayServer } from './api-gateway.js';
import { loadCredentials } from './credentials.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { RegionHealth } from './region-health.js';
import { startGlobalTable, type GlobalTable } from './global-table.js';
import { emptyTable } from './reset.js';
import { lockDataDir } from './data-dir-lock.js';
import { tlsFiles } from './tls.js';
import { assertPortFree } from './ports.js';
import { applySeed, loadSeedFile } from './seed.js';
import { localRootKeyEnv } from './root-key.js';
import { startScheduler } from './scheduler.js';
import { tableEnsurer } from './tables.js';
import { enforceAuditRetention } from './audit-retention.js';
import { auditDir } from '../../shared/adapters/file-sinks.js';
import { seedCredentials } from '../../shared/credentials/manage.js';
import { loadApiHandler, localClientHooks, regionGate, type HandlerFactory } from './api-parts.js';
import { basePathOf, jobInterval, positiveSetting } from './settings.js';
import { closeServer, listen, urlHost } from './http-server.js';
import { localLogger } from './local-logger.js';
import { startWorkerPool, type ServedPorts, type WorkerPool } from './worker-pool.js';

export interface LocalServiceOptions {
  /** KMS endpoint port; 0 picks a free one. Default 4599. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Root key and DynamoDB Local's files live here. Default `./.kms-data`. */
  dataDir?: string;
  /** 0 picks a free one. Default 4598. */
  dynamodbPort?: number;
  /** Environment handed to loadConfig (KMS_TABLE_NAME, AWS_REGION, KMS_ROOT_KEY, LOG_LEVEL, ...). Default process.env. */
  env?: Record<string, string | undefined>;
  /** Stand-in for createApiHandler, for tests of the runtime itself. */
  createHandler?: HandlerFactory;
  /**
   * API worker processes on the KMS port (KMS_WORKERS; node:cluster re-runs this process's script, which
   * must call runApiWorker in a worker: infra/local/start.ts). Default 1: this process serves the API.
   */
  workers?: number;
  /** How often the scheduled jobs run (real clock); 0 turns the scheduler off. Default KMS_JOB_INTERVAL_MS or 60 s. */
  jobIntervalMs?: number;
  /**
   * DynamoDB Local died and could not be restarted (it is restarted a few times first). Default: logged;
   * `npm start` exits with the message.
   */
  onStoreLost?: (error: Error) => void;
}

export interface LocalService {
  endpoint: string;
  /** The same API over HTTPS (KMS_TLS, KMS_TLS_CERT/KMS_TLS_KEY), and the certificate clients trust. */
  httpsEndpoint?: string;
  tlsCertificate?: string;
  dynamodbEndpoint: string;
  /** The regions that replicate as one global table at start (KMS_REGIONS, then any that joined before). */
  globalRegions: readonly string[];
  /** What startup cost, for the curious and for the report in start.ts. */
  timings: { dynamodbLocalMs: number; totalMs: number };
  /** The processes serving the API (1: this one). */
  workers: number;
  stop(): Promise<void>;
}


export async function startLocalService(options: LocalServiceOptions = {}): Promise<LocalService> {
  const started = performance.now();
  const env = options.env ?? process.env;
  const dataDir = resolve(options.dataDir ?? '.kms-data');
  const logger = localLogger(env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL || 'WARN');
  await mkdir(dataDir, { recursive: true });
  // Read the credentials file first: a bad file should fail the start before the JVM is launched.
  const credentials = loadCredentials(env);
  // Every setting too (regions, ...): the root key file it will name is made later, under the data-dir lock.
  const settings = loadConfig({ ...env, KMS_ROOT_KEY_FILE: env.KMS_ROOT_KEY_FILE || join(dataDir, 'root-key') });
  // And the seed file: an invalid entry stops the start at once, naming it.
  const seedKeys = env.KMS_SEED_FILE
    ? loadSeedFile(env.KMS_SEED_FILE, {
        region: settings.defaultRegion,
        account: credentials.principals[0]?.accountId ?? '111122223333',
        regions: regionNames(settings.allowAnyRegion),
      })
    : [];

  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`KMS_WORKERS must be a positive integer, got '${options.workers}'`);
  // Load the handler module while the JVM starts: both take a while and neither needs the other.
  const createHandler = options.createHandler ? Promise.resolve(options.createHandler) : loadApiHandler(env);
  createHandler.catch(() => {}); // reported below, after DynamoDB Local is stopped again

  // HTTPS settings (and a self-signed certificate made at the first start), checked before anything starts.
  const tls = await tlsFiles(env, dataDir);
  // The KMS port, if one was chosen, must be free: said now rather than after DynamoDB Local has started.
  const port = options.port ?? 4599;
  const host = options.host ?? '127.0.0.1';
  if (port !== 0) await assertPortFree(port, host, `Port ${port} on ${host} for the KMS endpoint is in use (set KMS_PORT)`);
  // One service per data directory (a second one is refused, naming the first).
  const releaseLock = lockDataDir(dataDir, runtimeFilePath(dataDir));
  const dynamodb = await startDynamoDbLocal({
    dataDir,
    port: options.dynamodbPort ?? 4598,
    onOutput: logger.debug ? (text) => logger.debug!('dynamodb-local', { output: text.trimEnd() }) : undefined,
    // If java dies, requests answer 503 DependencyTimeoutException (the SDKs retry) while it is restarted.
    supervise: {
      onDown: ({ exit, tail }) => logger.error('DynamoDB Local died; restarting it (requests answer 503 meanwhile)', { exit, output: tail.slice(-1000) }),
      onUp: ({ restarts, ms }) => logger.info('DynamoDB Local is back', { restarts, ms }),
      onGiveUp: (error) => {
        logger.error('DynamoDB Local could not be brought back', { error: error.message });
        options.onStoreLost?.(error);
      },
    },
  }).catch((error: unknown) => {
    releaseLock();
    throw error;
  });
  let server: Server | undefined;
  let httpsServer: Server | undefined;
  let globalTable: GlobalTable | undefined;
  let pool: WorkerPool | undefined;
  try {
    const rootKeyEnv = await localRootKeyEnv(env, dataDir);
    // Events, audit records and notifications go to files in the data directory (shared/adapters/file-sinks.ts).
    const config = loadConfig({ ...env, ...rootKeyEnv, KMS_DYNAMODB_ENDPOINT: dynamodb.endpoint, KMS_DATA_DIR: dataDir });
    const tables = tableEnsurer(dynamodb.endpoint, config.tableName);
    // The global table's regions exist from the start (and replicate); any other region gets its table on its
    // first request, and joins the table when a multi-region key is replicated to it (infra/local/global-table.ts).
    await tables.ensure(config.defaultRegion);
    const health = new RegionHealth(dataDir);
    globalTable = await startGlobalTable({
      endpoint: dynamodb.endpoint,
      tableName: config.tableName,
      configured: config.regions,
      ensureTable: tables.ensure,
      dataDir,
      pollMs: positiveSetting(env, 'KMS_REPLICATION_POLL_MS'),
      delayMs: positiveSetting(env, 'KMS_REPLICATION_DELAY_MS', { allowZero: true }),
      isDown: health.isDown,
      log: (level, message, fields) => (level === 'INFO' ? logger.info(message, fields) : logger.error(message, fields)),
    });

    // One set of services for the API and the jobs, so a job's writes reach the API's caches at once
    // (and, with workers, every worker's before the write is acknowledged).
    const replication = globalTable;
    const dynamodbReads = { reads: 0 };
    const services = createServices(config, {
      wrapClient: localClientHooks(() => replication.nudge(), dynamodbReads),
      globalTable: replication,
      announce: workers > 1 ? (change) => pool?.announce(change) ?? Promise.resolve() : undefined,
      peerKeyUsage: workers > 1 ? (region, keyId) => pool?.keyUsage(region, keyId) ?? Promise.resolve(undefined) : undefined,
    });
    // The credentials file seeds the credential store (the same store, and verifier, as in AWS).
    const seeded = await seedCredentials(services.credentialAdmin(), credentials.principals, credentials.source);
    logger.info('credentials seeded', { source: credentials.source, outcomes: seeded });
    // Seeded keys, made once (a key that exists stays as it is; differences are reported).
    if (seedKeys.length > 0) {
      await Promise.all([...new Set(seedKeys.map((k) => k.region))].map((region) => tables.ensure(region)));
      const report = await applySeed(services, seedKeys);
      for (const difference of report.differences) logger.error('seed file: an existing key differs from its entry', { difference });
      logger.info('keys seeded', { created: report.created.length, unchanged: report.unchanged.length, differing: report.differences.length });
    }
    const handler = await (await createHandler)(config, services, regionGate(health.isDown, tables.pending, logger.error));
    const jobLog = (level: string, message: string, fields?: Record<string, unknown>) =>
      level === 'INFO' ? logger.info(message, fields) : logger.error(message, { level, ...fields });
    const admin = createAdminHandler({
      token: await ensureAdminToken(dataDir),
      services,
      dynamodbReads: () => dynamodbReads.reads,
      peerStats: () => pool?.stats() ?? Promise.resolve([]),
      regions: tables.regions,
      prepareRegion: tables.ensure,
      regionExists: tables.exists,
      log: jobLog,
      defaultRegion: config.defaultRegion,
      health,
      globalRegions: () => replication.regions(),
      recoveryDecrypt: config.recoveryDecrypt,
      replication,
      emptyTable: (region) => emptyTable(dynamodb.endpoint, config.tableName, region),
      credentials: () => services.credentialAdmin(),
    });
    const healthOf = () => {
      const store = dynamodb.status();
      return {
        healthy: store === 'up',
        body: {
          status: store === 'up' ? 'ok' : 'degraded',
          regions: [...replication.regions()],
          dynamodb: store === 'up' ? 'ok' : store,
          dynamodbLocal: store,
          dynamodbRestarts: dynamodb.restarts(),
          regionsDown: health.downRegions(),
        },
      };
    };
    const basePath = basePathOf(env.KMS_BASE_PATH);
    const gateway = { handler, logger, admin, basePath, region: config.defaultRegion, health: healthOf };
    const tlsPort = tls ? (positiveSetting(env, 'KMS_TLS_PORT', { allowZero: true }) ?? 4443) : 0;
    server = createApiGatewayServer(gateway);
    // With workers, this process's server is theirs alone (on loopback): they forward `/health` and the operator routes to it.
    const address = await listen(server, workers > 1 ? 0 : port, workers > 1 ? '127.0.0.1' : host);
    let ports: ServedPorts = { address: address.address, family: address.family, http: address.port };
    if (workers > 1) {
      const operator = `http://127.0.0.1:${address.port}`;
      pool = await startWorkerPool({
        count: workers,
        init: () => ({
          env: { ...rootKeyEnv, KMS_DYNAMODB_ENDPOINT: dynamodb.endpoint, KMS_DATA_DIR: dataDir },
          host,
          port,
          tls: tls && { cert: tls.cert.toString('utf8'), key: tls.key.toString('utf8'), port: tlsPort },
          basePath,
          operator,
          regionsDown: health.downRegions(),
          globalRegions: [...replication.regions()],
          tables: tables.regions(),
          logLevel: env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL || 'WARN',
        }),
        applyCacheChange: services.applyCacheChange,
        knownKeyUsage: (region, keyId) => services.keyUsage.known(region, keyId),
        table: tables.ensure,
        join: async (region) => {
          await replication.join(region);
          return replication.regions();
        },
        nudgeReplicator: () => replication.nudge(),
        log: jobLog,
      });
      health.onChange = (down) => pool!.regionsDown(down);
      ports = pool.ports;
    } else if (tls) {
      // The same API over HTTPS too, when configured (KMS_TLS_PORT, default 4443; 0 picks a free one).
      httpsServer = createApiGatewayServer({ ...gateway, tls });
      ports.https = (await listen(httpsServer, tlsPort, host)).port;
    }
    // With KMS_BASE_PATH (e.g. /dev) the API is served under it, the way a deployed stage is: that is the endpoint.
    const endpoint = `http://${urlHost(ports)}:${ports.http}${basePath}`;
    const httpsEndpoint = ports.https === undefined ? undefined : `https://${urlHost(ports)}:${ports.https}${basePath}`;
    // Where `npm run job` finds this service (the port may have been picked at random).
    await writeFile(runtimeFilePath(dataDir), JSON.stringify({ endpoint, httpsEndpoint, pid: process.pid }) + '\n');
    // The local audit trail stays bounded: closed days compressed, old or excess days deleted (hourly).
    const retention = { retentionDays: positiveSetting(env, 'KMS_AUDIT_RETENTION_DAYS') ?? 90, maxBytes: (positiveSetting(env, 'KMS_AUDIT_MAX_MB') ?? 1024) * 1024 * 1024 };
    const keepAuditBounded = () =>
      void enforceAuditRetention(auditDir(dataDir), retention).then(
        (report) => (report.compressed.length + report.deleted.length > 0 ? logger.info('audit retention', { ...report }) : undefined),
        (error: unknown) => logger.error('audit retention failed', { error: String(error) }),
      );
    keepAuditBounded();
    const retentionTimer = setInterval(keepAuditBounded, 60 * 60_000);
    retentionTimer.unref();
    const scheduler = startScheduler({
      services,
      regions: tables.regions,
      isDown: health.isDown,
      intervalMs: options.jobIntervalMs ?? jobInterval(env),
      log: jobLog,
    });

    let stopping: Promise<void> | undefined;
    const running = server;
    const stop = () =>
      (stopping ??= (async () => {
        clearInterval(retentionTimer);
        await scheduler.stop();
        // Workers first: they forward operator routes to this process's server while they finish.
        await pool?.stop();
        await closeServer(running);
        if (httpsServer) await closeServer(httpsServer);
        await services.keyUsage.flush();
        await replication?.stop();
        await rm(runtimeFilePath(dataDir), { force: true });
        await dynamodb.stop();
        releaseLock();
      })());
    return {
      endpoint,
      httpsEndpoint,
      tlsCertificate: tls?.certPath,
      dynamodbEndpoint: dynamodb.endpoint,
      globalRegions: [...replication.regions()],
      timings: { dynamodbLocalMs: dynamodb.startupMs, totalMs: Math.round(performance.now() - started) },
      workers,
      stop,
    };
  } catch (error) {
    await pool?.stop();
    if (server?.listening) await closeServer(server);
    if (httpsServer?.listening) await closeServer(httpsServer);
    await globalTable?.stop();
    await dynamodb.stop();
    releaseLock();
    throw error;
  }
}






