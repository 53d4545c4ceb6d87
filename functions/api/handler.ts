/**
 * Lambda entry point of the KMS API: configuration from the environment, the rest in app.ts.
 * No X-Ray SDK here: with active tracing Lambda and API Gateway record each request's segments
 * themselves, and the Powertools tracer would add only a handler subsegment, for ~100 KB of bundle
 * and milliseconds of every cold start (`npm run bench -- coldstart` measures it).
 */
import { loadConfig } from '../../shared/config.js';
import { createApiHandler } from './app.js';

export const handler = createApiHandler(loadConfig());
