/**
 * The local runtime's operator routes, beside the KMS API on the same port (never in AWS):
 *
 *   POST /!admin/jobs/<rotation|deletion|expiry|all>   {"now"?: ISO, "region"?: "..."}  -> {"reports": [...]}
 *   POST /!admin/events                                 an EventBridge event for the service (a rotation
 *                                                       request, shared/jobs/rotation-request.ts) -> result
 *
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
import type { Services } from '../../shared/services.js';

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
  services: Pick<Services, 'jobContext'>;
  /** Regions whose table exists: where a job runs when the request names none. */
  regions: () => string[];
  /** Makes sure a named region's table exists before a job queries it. */
  prepareRegion: (region: string) => Promise<void>;
  log: JobContext['log'];
  /** Region of an event that names none. */
  defaultRegion: string;
}

export function createAdminHandler(options: AdminOptions) {
  const expected = Buffer.from(options.token);
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => {});
    req.on('end', () => {
      void handle(req, Buffer.concat(chunks).toString('utf8')).then(
        ([status, body]) => send(res, status, body),
        (error: unknown) => send(res, 500, { message: error instanceof Error ? error.message : String(error) }),
      );
    });
  };

  async function handle(req: IncomingMessage, raw: string): Promise<[number, object]> {
    const given = Buffer.from(String(req.headers['x-kms-admin-token'] ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return [403, { message: 'Missing or wrong x-kms-admin-token' }];
    const path = (req.url ?? '').split('?', 1)[0]!;
    if (req.method === 'POST' && path === '/!admin/events') return rotationRequest(raw);
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
    if (request.region) await options.prepareRegion(request.region);
    const regions = request.region ? [request.region] : options.regions();
    const names: JobName[] = name === 'all' ? jobNames : [name as JobName];
    return [200, { reports: await runJobs(options.services, names, regions, now, options.log) }];
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

function send(res: ServerResponse, status: number, body: object) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
