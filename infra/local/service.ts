/**
 * The whole local service in one call: DynamoDB Local, the table in every region, the root key, the
 * real KMS API handler, and the API Gateway emulator in front of it.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import { loadConfig, type Config } from '../../shared/config.js';
import { regionNames } from '../../shared/regions.js';
import { createServices, type Services } from '../../shared/services.js';
import { createAdminHandler, ensureAdminToken, runtimeFilePath } from './admin.js';
import { createApiGatewayServer, type ApiHandler, type EmulatorLogger } from './api-gateway.js';
import { loadCredentials } from './credentials.js';
import { startDynamoDbLocal } from './dynamodb-local.js';
import { RegionHealth } from './region-health.js';
import { startGlobalTable, type GlobalTable } from './global-table.js';
import { emptyTable } from './reset.js';
import { lockDataDir } from './data-dir-lock.js';
import { tlsFiles } from './tls.js';
import { assertPortFree } from './ports.js';
import { applySeed, loadSeedFile } from './seed.js';
import { countingReads, notifyingWrites } from './replication-streams.js';
import { durableTransactions } from './commit-barrier.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { localRootKeyEnv } from './root-key.js';
import { startScheduler } from './scheduler.js';
import { tableEnsurer } from './tables.js';
import { enforceAuditRetention } from './audit-retention.js';
import { auditDir } from '../../shared/adapters/file-sinks.js';
import { seedCredentials } from '../../shared/credentials/manage.js';
import { DependencyTimeoutException, ServiceUnavailableException } from '../../shared/errors.js';

/** Runs before each authenticated request with its region (functions/api/app.ts, ApiHandlerOptions.regionGate). */
export type RegionGate = (region: string) => Promise<void> | undefined;

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
  createHandler?: (config: Config, services: Services, regionGate: RegionGate) => ApiHandler | Promise<ApiHandler>;
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

  // Load the handler module while the JVM starts: both take a while and neither needs the other.
  const createHandler = options.createHandler
    ? Promise.resolve(options.createHandler)
    : import('../../functions/api/app.js').then(
        (module) => (config: Config, services: Services, regionGate: RegionGate) =>
          // Metrics are published every KMS_METRICS_INTERVAL_MS (default 60 s) when POWERTOOLS_METRICS_DISABLED=false.
          module.createApiHandler(config, services, {
            metricsIntervalMs: positiveSetting(env, 'KMS_METRICS_INTERVAL_MS'),
            regionGate,
            timeoutEarly: false, // the local gateway's sweep times requests out
          }),
      );
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

    // One set of services for the API and the jobs, so a job's writes reach the API's caches at once.
    // Every write of the service nudges the replicator, which otherwise polls idle streams only every second;
    // no transaction is acknowledged before DynamoDB Local has committed it.
    const replication = globalTable;
    const dynamodbReads = { reads: 0 };
    const wrapClient = (client: DynamoDBDocumentClient) =>
      countingReads(notifyingWrites(durableTransactions(client), () => replication.nudge()), dynamodbReads);
    const services = createServices(config, { wrapClient, globalTable: replication });
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
    // Each authenticated request's region: a region taken down answers 503; another gets its table on first use.
    const regionGate: RegionGate = (region) => {
      if (health.isDown(region)) throw new ServiceUnavailableException(`The KMS endpoint of ${region} is unavailable (the region is down). Try another region.`);
      return tables.pending(region)?.catch((error: unknown) => {
        logger.error('could not create the table for a region', { region, error: String(error) });
        throw new DependencyTimeoutException();
      });
    };
    const handler = await (await createHandler)(config, services, regionGate);
    const jobLog = (level: string, message: string, fields?: Record<string, unknown>) =>
      level === 'INFO' ? logger.info(message, fields) : logger.error(message, { level, ...fields });
    const admin = createAdminHandler({
      token: await ensureAdminToken(dataDir),
      services,
      dynamodbReads: () => dynamodbReads.reads,
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
    const gateway = { handler, logger, admin, basePath: basePathOf(env.KMS_BASE_PATH), region: config.defaultRegion, health: healthOf };
    server = createApiGatewayServer(gateway);
    const address = await listen(server, port, host);
    // With KMS_BASE_PATH (e.g. /dev) the API is served under it, the way a deployed stage is: that is the endpoint.
    const endpoint = `http://${urlHost(address)}:${address.port}${basePathOf(env.KMS_BASE_PATH)}`;
    // The same API over HTTPS too, when configured (KMS_TLS_PORT, default 4443; 0 picks a free one).
    let httpsEndpoint: string | undefined;
    if (tls) {
      httpsServer = createApiGatewayServer({ ...gateway, tls });
      const tlsAddress = await listen(httpsServer, positiveSetting(env, 'KMS_TLS_PORT', { allowZero: true }) ?? 4443, host);
      httpsEndpoint = `https://${urlHost(tlsAddress)}:${tlsAddress.port}${basePathOf(env.KMS_BASE_PATH)}`;
    }
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
      stop,
    };
  } catch (error) {
    if (server?.listening) await closeServer(server);
    if (httpsServer?.listening) await closeServer(httpsServer);
    await globalTable?.stop();
    await dynamodb.stop();
    releaseLock();
    throw error;
  }
}

/** KMS_BASE_PATH `dev`, `/dev` or `/dev/` → `/dev`; '' for none. */
function basePathOf(raw: string | undefined): string {
  const trimmed = (raw ?? '').trim().replace(/^\/+|\/+$/g, '');
  if (trimmed !== '' && !/^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(trimmed)) throw new Error(`KMS_BASE_PATH must be a URL path like /dev, got '${raw}'`);
  return trimmed === '' ? '' : `/${trimmed}`;
}

function positiveSetting(env: Record<string, string | undefined>, name: string, options: { allowZero?: boolean } = {}): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < (options.allowZero ? 0 : 1)) {
    throw new Error(`${name} must be a ${options.allowZero ? 'non-negative' : 'positive'} integer, got '${raw}'`);
  }
  return value;
}

function jobInterval(env: Record<string, string | undefined>): number {
  const raw = env.KMS_JOB_INTERVAL_MS;
  if (raw === undefined || raw === '') return 60_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`KMS_JOB_INTERVAL_MS must be a non-negative integer, got '${raw}'`);
  return value;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolveListen, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`Port ${port} on ${host} for the KMS endpoint is in use (set KMS_PORT)`) : error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolveListen(server.address() as AddressInfo);
    });
  });
}

/** Stops accepting, lets in-flight requests finish briefly, then drops whatever is left (idle keep-alives too). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    const timer = setTimeout(() => server.closeAllConnections(), 2000);
    server.close(() => {
      clearTimeout(timer);
      resolveClose();
    });
    server.closeIdleConnections();
  });
}

/** A wildcard bind is reached through loopback; IPv6 literals need brackets in a URL. */
function urlHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0') return '127.0.0.1';
  if (address.address === '::') return '[::1]';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}

/**
 * The runtime's own log lines (JSON on stderr, like the handler's Powertools logs). Per-request lines
 * exist only at DEBUG, so the hot path pays nothing at the default level.
 */
export function localLogger(level: string): EmulatorLogger & { info: (message: string, fields?: Record<string, unknown>) => void } {
  const write = (lvl: string, message: string, fields?: Record<string, unknown>) =>
    process.stderr.write(JSON.stringify({ level: lvl, service: 'kms-local', timestamp: new Date().toISOString(), message, ...fields }) + '\n');
  const rank = ['DEBUG', 'INFO', 'WARN', 'ERROR'].indexOf(level.toUpperCase());
  const at = rank < 0 ? 2 : rank;
  return {
    debug: at <= 0 ? (message, fields) => write('DEBUG', message, fields) : undefined,
    info: (message, fields) => at <= 1 && write('INFO', message, fields),
    error: (message, fields) => write('ERROR', message, fields),
  };
}
