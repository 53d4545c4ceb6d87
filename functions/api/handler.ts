/** Lambda entry point of the KMS API: configuration from the environment, everything else in app.ts. */
import { loadConfig } from '../../shared/config.js';
import { createApiHandler } from './app.js';

export const handler = createApiHandler(loadConfig());
