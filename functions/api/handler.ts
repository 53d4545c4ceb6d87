/** Lambda entry point of the KMS API: configuration from the environment, X-Ray tracing, the rest in app.ts. */
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { loadConfig } from '../../shared/config.js';
import { createTracer } from '../../shared/tracing.js';
import { createApiHandler } from './app.js';

export const handler = createApiHandler(loadConfig()).use(captureLambdaHandler(createTracer()));
