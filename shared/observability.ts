/**
 * Creates Powertools' logger and metrics (conventions §12). No Powertools tracer: importing the X-Ray
 * SDK installs async hooks that make every `await` in the process ~35x slower, and with active tracing
 * Lambda and API Gateway record each request's segments themselves (functions/api/handler.ts).
 *
 * Metrics are aggregated in memory (a few additions per request) and published through Powertools as
 * EMF: once per invocation in Lambda, on a timer in the local runtime. Per operation (dimension
 * `Operation`): `Requests` and `Errors` (Count), `Latency` (Milliseconds; up to 100 sampled values per
 * publication). Without the Operation dimension: whatever the core counts through MetricsRecorder
 * (`InternalError`, `PendingDeletionKeyUse`, `AuditWriteError`, ...).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { MetricsRecorder } from './core/sinks.js';

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

/** Latency values kept per operation between publications (EMF takes at most 100 values per metric). */
export const LATENCY_SAMPLES = 100;

interface OperationStats {
  requests: number;
  errors: number;
  /** A uniform sample (reservoir) of the latencies seen since the last publication. */
  latencies: number[];
}

/** Counts and latencies gathered between two publications. */
export class MetricsAggregator implements MetricsRecorder {
  private counts = new Map<string, number>();
  private operations = new Map<string, OperationStats>();

  count(name: string, value = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + value);
  }

  /** One API request: its operation (dimension value), whether it failed, how long it took. */
  request(operation: string, failed: boolean, latencyMs: number): void {
    const stats = this.statsOf(operation);
    stats.requests++;
    if (failed) stats.errors++;
    if (stats.latencies.length < LATENCY_SAMPLES) stats.latencies.push(latencyMs);
    else {
      const slot = Math.floor(Math.random() * stats.requests);
      if (slot < LATENCY_SAMPLES) stats.latencies[slot] = latencyMs;
    }
  }

  /**
   * A request counted as a success whose answer became an error after all: its audit record could not be
   * written. (If a publication came in between, the error falls in the next window.)
   */
  unacknowledged(operation: string): void {
    this.statsOf(operation).errors++;
  }

  private statsOf(operation: string): OperationStats {
    let stats = this.operations.get(operation);
    if (!stats) {
      stats = { requests: 0, errors: 0, latencies: [] };
      this.operations.set(operation, stats);
    }
    return stats;
  }

  get empty(): boolean {
    return this.counts.size === 0 && this.operations.size === 0;
  }

  /** Emits what was gathered (one EMF document per operation, one for the plain counts) and starts over. */
  publish(metrics: Metrics): void {
    if (this.empty) return;
    const operations = this.operations;
    const counts = this.counts;
    this.operations = new Map();
    this.counts = new Map();
    for (const [operation, stats] of operations) {
      metrics.addDimension('Operation', operation);
      metrics.addMetric('Requests', MetricUnit.Count, stats.requests);
      metrics.addMetric('Errors', MetricUnit.Count, stats.errors);
      for (const latency of stats.latencies) metrics.addMetric('Latency', MetricUnit.Milliseconds, Math.round(latency * 1000) / 1000);
      metrics.publishStoredMetrics();
    }
    if (counts.size > 0) {
      for (const [name, value] of counts) metrics.addMetric(name, MetricUnit.Count, value);
      metrics.publishStoredMetrics();
    }
  }
}

/**
 * Whether the local runtime publishes metrics: only when asked with POWERTOOLS_METRICS_DISABLED=false,
 * as Powertools itself does in dev mode, so `npm start` prints no EMF unless one wants it. (Powertools'
 * own environment variables; read here, where Powertools is configured.)
 */
export function localMetricsEnabled(env: Record<string, string | undefined> = process.env): boolean {
  const setting = env.POWERTOOLS_METRICS_DISABLED?.trim().toLowerCase();
  return setting === 'false' || setting === '0' || setting === 'n' || setting === 'no' || setting === 'off';
}

/** Lambda: publishes what the invocation gathered once it is over (success or failure). */
export function publishAggregatedMetrics(aggregator: MetricsAggregator, metrics: Metrics): MiddlewareObj {
  const publish = async () => aggregator.publish(metrics);
  return { after: publish, onError: publish };
}

/** Local runtime: publishes every `intervalMs`; the timer does not keep the process alive. Returns a stop function. */
export function publishMetricsEvery(aggregator: MetricsAggregator, metrics: Metrics, intervalMs: number): () => void {
  const timer = setInterval(() => aggregator.publish(metrics), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
