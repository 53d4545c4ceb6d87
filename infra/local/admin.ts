/**
 * The local runtime's operator routes, beside the KMS API on the same port (never in AWS):
 *
 *   POST /!admin/jobs/<rotation|deletion|expiry|all>   {"now"?: ISO, "region"?: "..."}  -> {"reports": [...]}
 *   POST /!admin/events                                 an EventBridge event for the service (a rotation
 *                                                       request, shared/jobs/rotation-request.ts) -> result
 *   GET  /!admin/regions                                the global table's regions, which are down, which are declared failed
 *   POST /!admin/regions/<region>/<down|up>             take a region down (it answers 503) or bring it back
 *   POST /!admin/regions/<region>/<fail|restore>        {"recovery": "<region>", "reason"?, "by"?}: declare a region
 *                                                       failed for a recovery region, or withdraw it (KMS_RECOVERY_DECRYPT)
 *   POST /!admin/replication/sync                       {"timeoutMs"?}: waits until replication has caught up
 *   POST /!admin/reset                                  empties every region's table but the credentials (a clean start)
 *   GET  /!admin/credentials                            the service credentials (no secrets), with last use
 *   POST /!admin/credentials                            {"principalArn", "vpcEndpointId"?, "description"?, "by"?}:
 *                                                       a new access key; the answer holds its secret, once
 *   POST /!admin/credentials/<akid>/<disable|enable|delete|rotate>   {"by"?, "disableOld"?}
 *
 * `npm run region` calls the region routes, `npm run credentials` the credential routes.
 * `npm run job` calls it, so a job runs inside the service process, against the same caches the API
 * uses. Only holders of the token in `<dataDir>/admin-token` (0600, made at start) may call it: running
 * a job "as of" a future instant deletes keys, so it must not be open to every API caller.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { JobContext, JobName } from '../../shared/jobs/context.js';
import { isJobName, jobNames } from '../../shared/jobs/index.js';
import { handleRotationRequest, type RotationRequestEvent } from '../../shared/jobs/rotation-request.js';
import { runJobs } from '../../shared/jobs/run.js';
import { declareRegionFailed, RecoveryRefused } from '../../shared/recovery/failed-regions.js';
import type { Services } from '../../shared/services.js';
import { CredentialRequestError, performCredentialAction, type CredentialAdminContext } from '../../shared/credentials/manage.js';
import type { RegionHealth } from './region-health.js';
import type { WorkerStats } from './worker-pool.js';

export const adminTokenPath = (dataDir: string) => join(dataDir, 'admin-token');
/** `<dataDir>/runtime.json`: the endpoint of the service running on this data directory (for `npm run job`). */
export const runtimeFilePath = (dataDir: string) => join(dataDir, 'runtime.json');

/** The token of a data directory, made on first use. */
export async function ensureAdminToken(dataDir: string): Promise<string> {
  const path = adminTokenPath(dataDir);
  const existing = await readFile(path, 'utf8').catch(() => '');
  if (existing.trim()) return existing.trim();
  const token = randomBytes(32).toString('hex');
  await writeFile(path, token + '\n', { mode: 0o600 });
  return token;
}

export interface AdminOptions {
  token: string;
  services: Pick<Services, 'jobContext' | 'forgetCaches' | 'cacheReads'>;
  /** The reads the service's DynamoDB clients made since start (`GET /!admin/stats`). */
  dynamodbReads?: () => number;
  /** The same counts of the API workers (KMS_WORKERS), added to this process's. */
  peerStats?: () => Promise<WorkerStats[]>;
  /** Regions whose table exists: where a job runs when the request names none. */
  regions: () => string[];
  /** Makes sure a named region's table exists before a job queries it. */
  prepareRegion: (region: string) => Promise<void>;
  /** Whether a region has a table (the jobs of a region never used are refused, and make none). */
  regionExists: (region: string) => Promise<boolean>;
  log: JobContext['log'];
  /** Region of an event that names none. */
  defaultRegion: string;
  /** Regions taken down; their jobs do not run. */
  health?: RegionHealth;
  /** The global table's regions now (KMS_REGIONS, then any that joined). */
  globalRegions?: () => readonly string[];
  /** Whether regions may be declared failed (KMS_RECOVERY_DECRYPT). */
  recoveryDecrypt?: boolean;
  /** Empties a region's table but its credentials (`POST /!admin/reset`). */
  emptyTable?: (region: string) => Promise<number>;
  /** The local replication, when the global table has more than one region. */
  replication?: { caughtUp(timeoutMs?: number): Promise<void> };
  /** Service credentials (shared/credentials/manage.ts). */
  credentials?: () => CredentialAdminContext;
}

const REGION = /^[a-z]+(-[a-z]+)+-\d+$/;

export function createAdminHandler(options: AdminOptions) {
  const expected = Buffer.from(options.token);
  return (req: IncomingMessage, res: ServerResponse) => {
    req.on('error', () => {});
    // The token is in the headers: a caller without it is answered before one byte of the body is read
    // (and the connection closed rather than drained), so the route costs an unauthenticated caller nothing.
    const given = Buffer.from(String(req.headers['x-kms-admin-token'] ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return send(res, 403, { message: 'Missing or wrong x-kms-admin-token' }, true);
    }
    if (Number(req.headers['content-length']) > MAX_ADMIN_BODY_BYTES) return send(res, 413, { message: `Body larger than ${MAX_ADMIN_BODY_BYTES} bytes` }, true);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_ADMIN_BODY_BYTES) {
        chunks.length = 0;
        send(res, 413, { message: `Body larger than ${MAX_ADMIN_BODY_BYTES} bytes` }, true);
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      void handle(req, Buffer.concat(chunks).toString('utf8')).then(
        ([status, body]) => send(res, status, body),
        (error: unknown) => send(res, 500, { message: error instanceof Error ? error.message : String(error) }),
      );
    });
  };

  async function handle(req: IncomingMessage, raw: string): Promise<[number, object]> {
    const path = (req.url ?? '').split('?', 1)[0]!;
    if (req.method === 'POST' && path === '/!admin/events') return rotationRequest(raw);
    if (path === '/!admin/regions') return regionStatus();
    if (path === '/!admin/stats') return stats();
    if (req.method === 'POST' && path === '/!admin/replication/sync') return replicationSync(raw);
    if (req.method === 'POST' && path === '/!admin/reset') return reset();
    if (path === '/!admin/credentials' || path.startsWith('/!admin/credentials/')) return credentialAction(req.method ?? 'GET', path, raw);
    const region = /^\/!admin\/regions\/([a-z0-9-]+)\/(down|up|fail|restore)$/.exec(path);
    if (req.method === 'POST' && region) return regionAction(region[1]!, region[2] as 'down' | 'up' | 'fail' | 'restore', raw);
    const match = /^\/!admin\/jobs\/([a-z]+)$/.exec(path);
    if (req.method !== 'POST' || !match) return [404, { message: 'POST /!admin/jobs/<rotation|deletion|expiry|all>' }];
    const name = match[1]!;
    if (name !== 'all' && !isJobName(name)) return [404, { message: `No job '${name}' (${jobNames.join(', ')}, all)` }];
    let request: { now?: string; region?: string };
    try {
      request = raw.trim() ? (JSON.parse(raw) as typeof request) : {};
    } catch {
      return [400, { message: 'The body must be JSON: {"now"?: ISO-8601, "region"?: string}' }];
    }
    const now = request.now === undefined ? new Date() : new Date(request.now);
    if (Number.isNaN(now.getTime())) return [400, { message: `'now' is not an ISO-8601 instant: ${request.now}` }];
    if (request.region !== undefined && !/^[a-z]+(-[a-z]+)+-\d+$/.test(request.region)) {
      return [400, { message: `'region' is not a region name: ${request.region}` }];
    }
    if (request.region && options.health?.isDown(request.region)) return [503, { message: `${request.region} is down (npm run region -- up ${request.region})` }];
    // A region never used has no table and nothing to do: no table is made for it.
    if (request.region && !(await options.regionExists(request.region))) {
      return [404, { message: `${request.region} has no keys: the service has never been used in it` }];
    }
    const regions = request.region ? [request.region] : options.regions().filter((r) => !options.health?.isDown(r));
    const names: JobName[] = name === 'all' ? jobNames : [name as JobName];
    return [200, { reports: await runJobs(options.services, names, regions, now, options.log) }];
  }

  /** The hot path's store reads since start, every API process's (does a warm load read the store?). */
  async function stats(): Promise<[number, object]> {
    const cacheReads = { ...options.services.cacheReads };
    let dynamodbReads = options.dynamodbReads?.();
    const peers = (await options.peerStats?.()) ?? [];
    for (const peer of peers) {
      cacheReads.miss += peer.cacheReads.miss;
      cacheReads.refresh += peer.cacheReads.refresh;
      if (dynamodbReads !== undefined) dynamodbReads += peer.dynamodbReads;
    }
    return [200, { cacheReads, dynamodbReads, processes: 1 + peers.length }];
  }

  /** Empties every region's table (credentials stay) and this process's caches: a clean start without a restart. */
  async function reset(): Promise<[number, object]> {
    if (!options.emptyTable) return [404, { message: 'reset is not available here' }];
    // Writes still on their way to other regions land first, so that none comes back after the reset.
    await options.replication?.caughtUp().catch(() => {});
    const regions = options.regions();
    const deleted: Record<string, number> = {};
    for (const region of regions) deleted[region] = await options.emptyTable(region);
    await options.replication?.caughtUp().catch(() => {});
    await options.services.forgetCaches();
    options.log('INFO', 'reset: every region\'s table emptied (credentials kept)', { deleted });
    return [200, { deleted }];
  }

  async function regionStatus(): Promise<[number, object]> {
    const globalTable = options.globalRegions?.() ?? [];
    const regions = [...new Set([...globalTable, ...options.regions()])];
    const failed: Record<string, unknown[]> = {};
    for (const region of globalTable) {
      if (options.health?.isDown(region)) continue;
      const declared = await options.services.jobContext(region, new Date()).jobStore.failedRegions();
      if (declared.length > 0) failed[region] = declared;
    }
    return [200, { globalTable, regions, down: options.health?.downRegions() ?? [], failedRegionsByRecoveryRegion: failed }];
  }

  async function regionAction(region: string, action: 'down' | 'up' | 'fail' | 'restore', raw: string): Promise<[number, object]> {
    if (!REGION.test(region)) return [400, { message: `Not a region name: ${region}` }];
    if (action === 'down' || action === 'up') {
      if (!options.health) return [404, { message: 'Regions cannot be taken down here' }];
      await options.health.set(region, action === 'down');
      return [200, { region, down: action === 'down' }];
    }
    let request: { recovery?: string; reason?: string; by?: string };
    try {
      request = raw.trim() ? (JSON.parse(raw) as typeof request) : {};
    } catch {
      return [400, { message: 'The body must be JSON: {"recovery": "<region>", "reason"?: string, "by"?: string}' }];
    }
    if (typeof request.recovery !== 'string' || !REGION.test(request.recovery)) return [400, { message: '"recovery" must name the recovery region' }];
    if (options.health?.isDown(request.recovery)) return [503, { message: `The recovery region ${request.recovery} is down` }];
    await options.prepareRegion(request.recovery);
    const ctx = options.services.jobContext(request.recovery, new Date());
    try {
      const declaration = await declareRegionFailed(
        { ...ctx, recoveryDecrypt: options.recoveryDecrypt === true },
        { failedRegion: region, declaredBy: request.by ?? 'local operator', reason: request.reason, now: new Date(), withdraw: action === 'restore' },
      );
      return [200, { recoveryRegion: request.recovery, ...declaration, withdrawn: action === 'restore' }];
    } catch (error) {
      if (error instanceof RecoveryRefused) return [409, { message: error.message }];
      throw error;
    }
  }

  async function replicationSync(raw: string): Promise<[number, object]> {
    if (!options.replication) return [200, { replicating: false }];
    let timeoutMs = 30_000;
    try {
      const body = raw.trim() ? (JSON.parse(raw) as { timeoutMs?: number }) : {};
      if (typeof body.timeoutMs === 'number' && body.timeoutMs > 0) timeoutMs = body.timeoutMs;
    } catch {
      return [400, { message: 'The body must be JSON: {"timeoutMs"?: number}' }];
    }
    await options.replication.caughtUp(timeoutMs);
    return [200, { replicating: true, caughtUp: true }];
  }

  async function credentialAction(method: string, path: string, raw: string): Promise<[number, object]> {
    if (!options.credentials) return [404, { message: 'No credential store here' }];
    let body: Record<string, unknown>;
    try {
      body = raw.trim() ? (JSON.parse(raw) as Record<string, unknown>) : {};
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return [400, { message: 'The body must be a JSON object' }];
    }
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
    const match = /^\/!admin\/credentials(?:\/(\w{1,128})\/(disable|enable|delete|rotate))?$/.exec(path);
    const action = !match ? undefined : match[2] ?? (method === 'GET' ? 'list' : method === 'POST' ? 'create' : undefined);
    if (!match || !action || (match[2] !== undefined && method !== 'POST')) {
      return [404, { message: 'GET or POST /!admin/credentials, POST /!admin/credentials/<access key id>/<disable|enable|delete|rotate>' }];
    }
    try {
      const result = await performCredentialAction(options.credentials(), {
        action,
        by: text(body.by) ?? 'local operator',
        principalArn: text(body.principalArn),
        vpcEndpointId: text(body.vpcEndpointId),
        description: text(body.description),
        accessKeyId: match[1],
        disableOld: body.disableOld === true,
      });
      return [200, result];
    } catch (error) {
      if (error instanceof CredentialRequestError) return [400, { message: error.message }];
      throw error;
    }
  }

  async function rotationRequest(raw: string): Promise<[number, object]> {
    let event: RotationRequestEvent;
    try {
      event = JSON.parse(raw) as RotationRequestEvent;
    } catch {
      return [400, { message: 'The body must be an EventBridge event (JSON)' }];
    }
    if (typeof event !== 'object' || event === null) return [400, { message: 'The body must be an EventBridge event (JSON)' }];
    const region = event.region ?? options.defaultRegion;
    if (!/^[a-z]+(-[a-z]+)+-\d+$/.test(region)) return [400, { message: `'region' is not a region name: ${region}` }];
    await options.prepareRegion(region);
    return [200, await handleRotationRequest(options.services, event, new Date(), options.defaultRegion)];
  }
}

/** Operator requests are small JSON documents. */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024;

/** `close`: answer without reading (the rest of) the body, and close the connection after the answer. */
function send(res: ServerResponse, status: number, body: object, close = false) {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...(close ? { Connection: 'close' } : {}) });
  if (close) {
    res.shouldKeepAlive = false;
    res.once('finish', () => res.req.socket.end());
    res.req.resume(); // discard what is already arriving until the socket closes
  }
  res.end(text);
}
