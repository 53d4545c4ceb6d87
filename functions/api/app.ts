/**
 * Wires the KMS API Lambda: middy with Powertools (logger, metrics) around the protocol dispatcher; the
 * Lambda entry (handler.ts) adds the tracer. No business logic here; the same handler serves API Gateway
 * in AWS and the local emulator.
 */
import middy, { type MiddyfiedHandler } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Config } from '../../shared/config.js';
import { createObservability, publishRecordedMetrics } from '../../shared/observability.js';
import { dispatch, type Caller } from '../../shared/protocol/dispatcher.js';
import { UnrecognizedClientException, errorBody } from '../../shared/protocol/errors.js';
import { operations } from '../../shared/operations/index.js';
import { createServices, type Services } from '../../shared/services.js';
import { credentialScopeRegion, header } from '../../shared/protocol/request-headers.js';

export type ApiHandler = MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;

/** `services` lets the local runtime share stores and caches between the API and its jobs. */
export function createApiHandler(config: Config, services: Services = createServices(config)): ApiHandler {
  const { logger, metrics } = createObservability(config.logLevel);

  const handle = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const caller = callerOf(event);
    const requestId = event.requestContext?.requestId || context.awsRequestId;
    if (!caller) {
      const body = errorBody(new UnrecognizedClientException('The security token included in the request is invalid.'));
      return { statusCode: 400, headers: { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': requestId }, body };
    }
    const body = event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : (event.body ?? '');
    const region = credentialScopeRegion(header(event.headers, 'authorization')) ?? config.defaultRegion;
    const target = header(event.headers, 'x-amz-target');
    const response = await dispatch(
      { target, body, region, caller, requestId },
      {
        operations,
        context: (scope) => services.context(scope),
        onInternalError: (error, operation) => {
          logger.error('internal error', { operation, error: error as Error });
          metrics.addMetric('InternalError', 'Count', 1);
        },
      },
    );
    // Names only: request and response bodies may carry plaintext and are never logged.
    logger.debug('request', { target, region, statusCode: response.statusCode, requestId });
    return response;
  };

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>(handle)
    .use(injectLambdaContext(logger))
    .use(publishRecordedMetrics(metrics));
}

/** The authenticated caller as API Gateway's IAM authorizer (or the local emulator) reports it. */
function callerOf(event: APIGatewayProxyEvent): Caller | undefined {
  const identity = event.requestContext?.identity;
  if (!identity?.accountId) return undefined;
  return {
    account: identity.accountId,
    principalArn: identity.userArn ?? `arn:aws:iam::${identity.accountId}:root`,
    accessKeyId: identity.accessKey ?? undefined,
    sourceIp: identity.sourceIp,
    vpceId: (identity as { vpceId?: string }).vpceId,
  };
}
