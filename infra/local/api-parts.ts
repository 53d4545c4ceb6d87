/**
 * The parts of the local API that the service's process and each of its API workers (KMS_WORKERS,
 * infra/local/worker-pool.ts) build alike: the real handler, the region gate, and the DynamoDB client hooks.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../../shared/config.js';
import { DependencyTimeoutException, ServiceUnavailableException } from '../../shared/errors.js';
import type { Services } from '../../shared/services.js';
import type { ApiHandler } from './api-gateway.js';
import { durableTransactions } from './commit-barrier.js';
import { countingReads, notifyingWrites } from './replication-streams.js';
import { positiveSetting, type Env } from './settings.js';

/** Runs before each authenticated request with its region (functions/api/app.ts, ApiHandlerOptions.regionGate). */
export type RegionGate = (region: string) => Promise<void> | undefined;

export type HandlerFactory = (config: Config, services: Services, regionGate: RegionGate) => ApiHandler | Promise<ApiHandler>;

/** The deployed API handler, as the local runtime runs it. */
export function loadApiHandler(env: Env): Promise<HandlerFactory> {
  return import('../../functions/api/app.js').then(
    (module) => (config: Config, services: Services, regionGate: RegionGate) =>
      // Metrics are published every KMS_METRICS_INTERVAL_MS (default 60 s) when POWERTOOLS_METRICS_DISABLED=false.
      module.createApiHandler(config, services, {
        metricsIntervalMs: positiveSetting(env, 'KMS_METRICS_INTERVAL_MS'),
        regionGate,
        timeoutEarly: false, // the local gateway's sweep times requests out
      }),
  );
}

/** Each authenticated request's region: a region taken down answers 503; another gets its table on first use. */
export function regionGate(
  isDown: (region: string) => boolean,
  tablePending: (region: string) => Promise<void> | undefined,
  log: (message: string, fields: Record<string, unknown>) => void,
): RegionGate {
  return (region) => {
    if (isDown(region)) throw new ServiceUnavailableException(`The KMS endpoint of ${region} is unavailable (the region is down). Try another region.`);
    return tablePending(region)?.catch((error: unknown) => {
      log('could not create the table for a region', { region, error: String(error) });
      throw new DependencyTimeoutException();
    });
  };
}

/**
 * The local service's DynamoDB clients: no transaction is acknowledged before DynamoDB Local has committed
 * it; every write nudges the replicator (which otherwise polls idle streams only every second); reads are
 * counted (`GET /!admin/stats`).
 */
export function localClientHooks(nudge: () => void, reads: { reads: number }) {
  return (client: DynamoDBDocumentClient) => countingReads(notifyingWrites(durableTransactions(client), nudge), reads);
}
