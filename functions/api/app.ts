/**
 * Wires the KMS API Lambda: middy with Powertools (logger, metrics) around the protocol dispatcher; the
 * Lambda entry (handler.ts) adds the tracer. No business logic here; the same handler serves API Gateway
 * in AWS and the local emulator.
 *
 * Every request that reaches the dispatcher leaves a CloudTrail-format audit record (shared/audit) and
 * its count, error and latency in the metrics (shared/observability.ts). Both are gathered in memory on
 * the request path and written afterwards: in Lambda at the end of each invocation, locally on timers.
 */
import middy, { type MiddyfiedHandler } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { apiAuditTrail } from '../../shared/audit/api-trail.js';
import { isReadOnly } from '../../shared/audit/api-record.js';
import { recordKeyUsage } from '../../shared/keys/key-usage.js';
import { useRecorder } from '../../shared/credentials/use-recorder.js';
import type { Config } from '../../shared/config.js';
import {
  createObservability,
  localMetricsEnabled,
  MetricsAggregator,
  publishAggregatedMetrics,
  publishMetricsEvery,
} from '../../shared/observability.js';
import type { OperationContext } from '../../shared/context/operation-context.js';
import { noMetrics, type AuditRecord } from '../../shared/core/sinks.js';
import { model } from '../../shared/model/model.js';
import { dispatch, operationNameOf, type DispatchHooks } from '../../shared/protocol/dispatcher.js';
import { DependencyTimeoutException, KMSInternalException, KmsError, errorBody } from '../../shared/errors.js';
import { isStoreUnavailable } from '../../shared/store/unavailable.js';
import { createCallerResolver } from '../../shared/protocol/caller.js';
import { createSigV4Verifier } from '../../shared/protocol/sigv4.js';
import { isQueryProtocol, stsErrorOf, stsResponse } from '../../shared/protocol/sts.js';
import { operations } from '../../shared/operations/index.js';
import { createServices, type Services } from '../../shared/services.js';
import { header, operationTarget } from '../../shared/protocol/request-headers.js';
import { regionNames } from '../../shared/regions.js';
import { withSourceStack } from '../../shared/source-stack.js';

export type ApiHandler = MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;

export interface ApiHandlerOptions {
  /**
   * `invocation` (Lambda): audit records and metrics are written at the end of every invocation, since
   * a frozen instance runs no timers. `timer` (local runtime): audit records within `auditFlushMs`,
   * metrics every `metricsIntervalMs` and only when enabled (localMetricsEnabled). Default: `timer` when
   * the config has a data directory (the local runtime), else `invocation`. Either way a request is
   * answered only after its audit record is written (locally the file sink's group commit; in Lambda
   * the flush at the end of the invocation).
   */
  flush?: 'invocation' | 'timer';
  /** Default 20 ms. */
  auditFlushMs?: number;
  /** Where audit records go that the audit sink cannot take; default: the home region's outbox (Services.keepAuditRecords). */
  auditFallback?: (records: AuditRecord[]) => Promise<void>;
  /** Default 60 s. */
  metricsIntervalMs?: number;
  /**
   * Run with each authenticated request's region before it is served (the local runtime: a region taken
   * down answers 503, a region's table is made on first use). Rejects with the KmsError to answer.
   */
  regionGate?: (region: string) => Promise<void> | undefined;
  /**
   * middy's early-timeout timer, set and cleared on every invocation (default on: Lambda's own). The
   * local runtime turns it off: its gateway times requests out with one periodic sweep.
   */
  timeoutEarly?: boolean;
}

/** `services` lets the local runtime share stores and caches between the API and its jobs. */
export function createApiHandler(config: Config, services: Services = createServices(config), options: ApiHandlerOptions = {}): ApiHandler {
  const { logger, metrics } = createObservability(config.logLevel);
  const debugEnabled = logger.getLevelName() === 'DEBUG';
  const flush = options.flush ?? (config.dataDir ? 'timer' : 'invocation');
  const aggregator = new MetricsAggregator();
  const onAuditError = (error: unknown, records: number) => {
    logger.error('audit records could not be written', { records, error: withSourceStack(error) as Error });
    aggregator.count('AuditWriteError', records);
  };
  services.keyUsage.onError = (error, keyId) => {
    logger.warn('could not record a key use', { keyId, error: String(error) });
    aggregator.count('KeyUsageWriteError');
  };
  // The last uses of keys and credentials are informational: in Lambda their writes start once the
  // invocation has answered, so that none holds an answer up (a cold start's first request would make
  // and send the store client's first UpdateItem before answering). Locally they go as they come.
  const whenAnswered = flush === 'invocation' ? afterAnswer() : undefined;
  if (whenAnswered) services.keyUsage.later = whenAnswered.later;
  const audit = apiAuditTrail(services.sinks.audit, {
    mode: flush,
    flushAfterMs: options.auditFlushMs,
    onError: onAuditError,
    fallback: options.auditFallback ?? ((records) => services.keepAuditRecords(records)),
    redeliver: (records) => services.deliverKeptAuditRecords(records),
    onRecorded: (eventId, done) => recordKeyUsage(services.keyUsage, eventId, done),
  });
  if (flush === 'timer' && localMetricsEnabled()) publishMetricsEvery(aggregator, metrics, options.metricsIntervalMs ?? 60_000);

  // Built once: nothing in them depends on the request.
  const hooks: DispatchHooks<OperationContext> = {
    operations,
    context: (scope) => {
      const ctx = services.context(scope);
      // Counts the operations record (e.g. PendingDeletionKeyUse) join the API's metrics.
      if (ctx.metrics === noMetrics) ctx.metrics = aggregator;
      return ctx;
    },
    onInternalError: (error, operation) => {
      logger.error('internal error', { operation, error: withSourceStack(error) as Error });
      aggregator.count('InternalError');
    },
    classifyError: (error, operation) => dependencyFailure(error, operation),
    // While audit records can be written neither to the trail nor to the outbox, a request that would
    // change something is refused before it runs: answered KMSInternalException after the fact, its change
    // would stay unrecorded, and every SDK retry would make it again. Its own record, written like any
    // other, tells when either is back.
    admit: (operation) => {
      if (!audit.failing() || isReadOnly(operation)) return undefined;
      aggregator.count('InternalError');
      return new KMSInternalException();
    },
    onComplete: (done) => {
      aggregator.request(metricOperation(done.operation), done.error !== undefined, done.durationMs);
      return audit.record(done);
    },
    onUnacknowledged: (operation) => unacknowledged(metricOperation(operation)),
  };

  /** A success answered KMSInternalException because its audit record could not be written: an internal error, and its operation's. */
  const unacknowledged = (operation: string) => {
    aggregator.count('InternalError');
    aggregator.unacknowledged(operation);
  };

  /** The store unreachable (DynamoDB down, restarting, throttling): 503 DependencyTimeoutException, retried by SDKs. */
  const dependencyFailure = (error: unknown, operation: string | undefined) => {
    if (!isStoreUnavailable(error)) return undefined;
    logger.warn('the store is unavailable', { operation, error: String(error) });
    aggregator.count('DependencyFailure');
    return new DependencyTimeoutException();
  };

  // Who is calling: SigV4 verified here against the service's credentials (or, in `iam` mode, API Gateway's word).
  const verifier = createSigV4Verifier({
    services: ['kms', 'sts'],
    lookup: (id) => services.credentials.lookup(id),
    regions: regionNames(config.allowAnyRegion),
  });
  const recordUse = useRecorder(services.credentialStore, logger, whenAnswered?.later);
  const resolveCaller = createCallerResolver({ mode: config.authMode, verifier, defaultRegion: config.defaultRegion, onVerified: recordUse });

  const handle = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const requestId = requestIdOf(event, context);
    const target = operationTarget(event.headers, event.queryStringParameters);
    const contentType = header(event.headers, 'content-type');
    const queryProtocol = isQueryProtocol(contentType, target);
    let authenticated: Awaited<ReturnType<typeof resolveCaller>>;
    try {
      authenticated = await resolveCaller(event);
    } catch (error) {
      // The credential lookup needs the store: unreachable, it is AWS's dependency error; anything else a 500.
      const failure = dependencyFailure(error, 'authentication') ?? new KMSInternalException();
      if (failure instanceof KMSInternalException) {
        logger.error('internal error', { operation: 'authentication', error: withSourceStack(error) as Error });
        aggregator.count('InternalError');
      }
      return queryProtocol ? stsErrorOf(failure, requestId) : errorResponse(failure, requestId);
    }
    if (authenticated instanceof KmsError) {
      aggregator.count('AuthenticationFailure');
      return queryProtocol ? stsErrorOf(authenticated, requestId) : errorResponse(authenticated, requestId);
    }
    const { caller, region, service } = authenticated;
    try {
      await options.regionGate?.(region);
    } catch (error) {
      if (!(error instanceof KmsError)) throw error;
      return service === 'sts' ? stsErrorOf(error, requestId) : errorResponse(error, requestId);
    }
    const body = event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : (event.body ?? '');
    if (service === 'sts') return stsResponse(body, { account: caller.account, arn: caller.principalArn, userId: caller.userId ?? caller.account }, requestId);
    const response = await dispatch({ target, contentType, body, region, caller, requestId }, hooks);
    // Names only: request and response bodies may carry plaintext and are never logged.
    // (Checked here: even a suppressed Powertools log call reads the environment, microseconds a request.)
    if (debugEnabled) logger.debug('request', { target, region, statusCode: response.statusCode, requestId });
    return response;
  };

  // (middy spreads its options over its defaults: an undefined would turn the timer off in Lambda too.)
  const middyOptions = options.timeoutEarly === false ? { timeoutEarlyInMillis: 0 } : {};
  const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>(handle, middyOptions);
  // Used first, so that its `after` runs last: once the answer is final.
  if (whenAnswered) handler.use(whenAnswered.middleware);
  handler.use(injectLambdaContext(logger));
  if (flush === 'invocation') {
    // An invocation whose audit records could not be written does not acknowledge a success (an error
    // answer acknowledges nothing and stays).
    const flushAudit = audit.flushMiddleware((request) => {
      const answered = request.response as APIGatewayProxyResult | null;
      if (answered && answered.statusCode >= 400) return;
      request.response = errorResponse(new KMSInternalException(), requestIdOf(request.event, request.context));
      unacknowledged(metricOperation(operationNameOf(operationTarget(request.event.headers, request.event.queryStringParameters))));
    });
    // middy runs `after` in reverse order of use: the audit flush first, so that what it counts
    // (AuditWriteError, an unacknowledged success) is published with this invocation's metrics.
    handler.use(publishAggregatedMetrics(aggregator, metrics)).use(flushAudit);
  }
  return handler;
}

/** An operation as a metric dimension: client-chosen names must not become dimensions. */
function metricOperation(operation: string | undefined): string {
  return operation !== undefined && model.operations[operation] !== undefined ? operation : 'Unknown';
}

function requestIdOf(event: APIGatewayProxyEvent, context: Context): string {
  return event.requestContext?.requestId || context.awsRequestId;
}

function errorResponse(error: KmsError, requestId: string): APIGatewayProxyResult {
  return { statusCode: error.statusCode, headers: { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': requestId }, body: errorBody(error) };
}

/**
 * Work held until an invocation has its answer, then started on the event loop's next turn (after the
 * answer is returned): `later` holds it, `middleware` (middy; its `after` and `onError` run last) starts it.
 */
function afterAnswer() {
  let held: Array<() => void> = [];
  const start = () => {
    if (held.length === 0) return;
    const work = held;
    held = [];
    setImmediate(() => {
      for (const run of work) run();
    });
  };
  return { later: (work: () => void) => void held.push(work), middleware: { after: start, onError: start } };
}
