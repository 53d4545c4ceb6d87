/**
 * Wires the KMS API Lambda: middy with Powertools (logger, tracer, metrics) around the protocol
 * dispatcher. No business logic here; the same handler serves API Gateway in AWS and the local emulator.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Config } from '../../shared/config.js';
import { createObservability } from '../../shared/observability.js';
import { dispatch, type Caller } from '../../shared/protocol/dispatcher.js';
import { UnrecognizedClientException, errorBody } from '../../shared/protocol/errors.js';
import { operations } from '../../shared/operations/index.js';
import { createServices } from '../../shared/services.js';
import { credentialScopeRegion, header } from '../../shared/protocol/request-headers.js';

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export function createApiHandler(config: Config): ApiHandler {
  const { logger, metrics, tracer } = createObservability(config.logLevel);
  const services = createServices(config);

  const handle = async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    const caller = callerOf(event);
    const requestId = event.requestContext?.requestId || context.awsRequestId;
    if (!caller) {
      const body = errorBody(new UnrecognizedClientException('The security token included in the request is invalid.'));
      return { statusCode: 400, headers: { 'Content-Type': 'application/x-amz-json-1.1', 'x-amzn-RequestId': requestId }, body };
    }
    const body = event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : (event.body ?? '');
    const region = credentialScopeRegion(header(event.headers, 'authorization')) ?? config.defaultRegion;
    return dispatch(
      { target: header(event.headers, 'x-amz-target'), body, region, caller, requestId },
      {
        operations,
        context: (scope) => services.context(scope),
        onInternalError: (error, operation) => {
          logger.error('internal error', { operation, error: error as Error });
          metrics.addMetric('InternalError', 'Count', 1);
        },
      },
    );
  };

  return middy(handle)
    .use(injectLambdaContext(logger))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics)) as unknown as ApiHandler;
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
  };
}
