/** The Powertools tracer, for Lambda entry files only (see observability.ts for why it is separate). */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { serviceName } from './observability.js';

export const createTracer = () => new Tracer({ serviceName });
