/**
 * Creates Powertools' logger and metrics (conventions §12). The tracer lives in ./tracing.ts and is
 * imported only by Lambda entry files: importing the X-Ray SDK installs async hooks that make every
 * `await` in the process ~35x slower, and outside Lambda the Tracer would switch itself off anyway.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const serviceName = 'kms';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

export function createObservability(logLevel: string): Observability {
  const logger = new Logger({ serviceName, logLevel: logLevel as never });
  return {
    logger,
    metrics: new Metrics({ namespace: 'KMS', serviceName, logger: quietEmptyMetrics(logger) }),
  };
}

/**
 * Most requests record no metric, and Metrics warns about that on every invocation; that warning is
 * demoted to debug so the default log stays quiet (and the hot path does no console write).
 */
function quietEmptyMetrics(logger: Logger) {
  const text = (args: unknown[]) => String(args[0]);
  return {
    trace: (...args: unknown[]) => logger.debug(text(args)),
    debug: (...args: unknown[]) => logger.debug(text(args)),
    info: (...args: unknown[]) => logger.info(text(args)),
    warn: (...args: unknown[]) =>
      text(args).startsWith('No application metrics') ? logger.debug(text(args)) : logger.warn(text(args)),
    error: (...args: unknown[]) => logger.error(text(args)),
  };
}
