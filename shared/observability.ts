/** The one module that creates Powertools' logger, metrics and tracer (conventions §12). */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

const serviceName = 'kms';

export interface Observability {
  logger: Logger;
  metrics: Metrics;
  tracer: Tracer;
}

export function createObservability(logLevel: string): Observability {
  const logger = new Logger({ serviceName, logLevel: logLevel as never });
  return {
    logger,
    metrics: new Metrics({ namespace: 'KMS', serviceName, logger: quietEmptyMetrics(logger) }),
    tracer: new Tracer({ serviceName }),
  };
}

/**
 * Most requests record no metric, and Metrics warns about that on every invocation; that warning is
 * demoted to debug so the default log stays quiet (and the hot path does no console write).
 */
function quietEmptyMetrics(logger: Logger) {
  return {
    trace: (...args: unknown[]) => logger.debug(String(args[0])),
    debug: (...args: unknown[]) => logger.debug(String(args[0])),
    info: (...args: unknown[]) => logger.info(String(args[0])),
    warn: (...args: unknown[]) =>
      String(args[0]).startsWith('No application metrics') ? logger.debug(String(args[0])) : logger.warn(String(args[0])),
    error: (...args: unknown[]) => logger.error(String(args[0])),
  };
}
