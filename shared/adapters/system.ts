/** The real clock and randomness; tests and jobs may pass others (conventions §11). */
import { randomBytes } from 'node:crypto';
import type { Clock, Random } from '../ports.js';

export const systemClock: Clock = { now: () => new Date() };
export const systemRandom: Random = { bytes: (n) => randomBytes(n) };
