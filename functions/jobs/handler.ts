/**
 * Lambda entries of the scheduled jobs (EventBridge schedules in serverless.yml) and of EventBridge
 * rotation requests. Each runs in its own region (AWS_REGION) against the real clock: a region's jobs
 * act only on the items that region owns (ARCHITECTURE "Home-region writes").
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { EventBridgeEvent } from 'aws-lambda';
import { loadConfig } from '../../shared/config.js';
import type { JobName } from '../../shared/jobs/context.js';
import { handleRotationRequest, type RotationRequestEvent } from '../../shared/jobs/rotation-request.js';
import { runJobs } from '../../shared/jobs/run.js';
import { declareRegionFailed, RecoveryRefused } from '../../shared/recovery/failed-regions.js';
import { serviceName } from '../../shared/observability.js';
import { createServices } from '../../shared/services.js';

const config = loadConfig();
const logger = new Logger({ serviceName: `${serviceName}-jobs`, logLevel: config.logLevel as never });
const metrics = new Metrics({ namespace: 'KMS', serviceName });
const services = createServices(config, { metrics: { count: (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value) } });
const log = (level: 'INFO' | 'WARN' | 'ERROR', message: string, fields?: Record<string, unknown>) =>
  level === 'ERROR' ? logger.error(message, fields ?? {}) : level === 'WARN' ? logger.warn(message, fields ?? {}) : logger.info(message, fields ?? {});

function scheduled(job: JobName) {
  return async () => {
    const [report] = await runJobs(services, [job], [config.defaultRegion], new Date(), log);
    metrics.addMetric(`${job}JobKeysDone`, MetricUnit.Count, report!.done);
    // Watched by an alarm (service dimension only): a key a job could not process stays due and is retried.
    metrics.addMetric('JobFailures', MetricUnit.Count, report!.failures.length);
    metrics.publishStoredMetrics();
    return report;
  };
}

export const rotation = scheduled('rotation');
export const deletion = scheduled('deletion');
export const expiry = scheduled('expiry');

export async function rotationRequest(event: EventBridgeEvent<string, { keyId?: string }>) {
  const result = await handleRotationRequest(services, event as RotationRequestEvent, new Date(), config.defaultRegion);
  log(result.outcome === 'refused' ? 'WARN' : 'INFO', 'rotation request', { ...result });
  return result;
}

/**
 * The operator's declaration that a region failed, invoked by hand in the recovery region (it has no
 * trigger): `aws lambda invoke --function-name kms-<stage>-regionFailure --region <recovery>
 * --payload '{"failedRegion":"us-east-1","by":"alice","reason":"outage"}' out.json`; `"withdraw": true`
 * takes it back. Refused unless recoveryDecrypt is on. Audited (DeclareRegionFailed / WithdrawRegionFailure);
 * CloudTrail also records who invoked the function.
 */
export async function regionFailure(event: { failedRegion?: string; by?: string; reason?: string; withdraw?: boolean }) {
  if (typeof event?.failedRegion !== 'string' || typeof event.by !== 'string' || event.by === '') {
    return { ok: false, message: 'The payload needs "failedRegion" and "by" (who declares it), optionally "reason" and "withdraw".' };
  }
  const ctx = services.jobContext(config.defaultRegion, new Date(), log);
  try {
    const declaration = await declareRegionFailed(
      { ...ctx, recoveryDecrypt: config.recoveryDecrypt },
      { failedRegion: event.failedRegion, declaredBy: event.by, reason: event.reason, now: new Date(), withdraw: event.withdraw === true },
    );
    log('WARN', event.withdraw ? 'region failure withdrawn' : 'region declared failed', { recoveryRegion: config.defaultRegion, ...declaration });
    return { ok: true, recoveryRegion: config.defaultRegion, withdrawn: event.withdraw === true, ...declaration };
  } catch (error) {
    if (error instanceof RecoveryRefused) return { ok: false, message: error.message };
    throw error;
  }
}
