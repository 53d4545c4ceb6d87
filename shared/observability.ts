/**
 * Creates Powertools' logger and metrics (conventions §12). The tracer lives in ./tracing.ts and is
 * imported only by Lambda entry files: importing the X-Ray SDK installs async hooks that make every
 * `await` in the process ~35x slower, and outside Lambda the Tracer would switch itself off anyway.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';

export const serviceName = 'kms';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

export function createObservability(logLevel: string): Observability {
  return {
    logger: new Logger({ serviceName, logLevel: logLevel as never }),
    metrics: new Metrics({ namespace: 'KMS', serviceName }),
  };
}

/**
 * Publishes the metrics a request recorded, if any. Most requests record none; Powertools' logMetrics
 * would serialise and warn on every one of them, which costs the hot path and fills the log.
 */
export function publishRecordedMetrics(metrics: Metrics): MiddlewareObj {
  const publish = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
}
