/** The real clock and randomness; tests and jobs may pass others (conventions §11). */
import { randomFillSync } from 'node:crypto';
import type { Clock, Random } from '../core/environment.js';

export const systemClock: Clock = { now: () => new Date() };

/**
 * CSPRNG bytes drawn from a pool refilled 64 KiB at a time: one randomFillSync per request costs more
 * than the AES itself. Every caller gets its own copy, and used pool bytes are never handed out twice.
 */
const POOL_SIZE = 64 * 1024;
let pool = Buffer.alloc(0);
let offset = 0;

export const systemRandom: Random = {
  bytes(n: number): Buffer {
    if (n > POOL_SIZE / 4) return randomFillSync(Buffer.alloc(n));
    if (offset + n > pool.length) {
      pool = randomFillSync(Buffer.allocUnsafe(POOL_SIZE));
      offset = 0;
    }
    const out = Buffer.from(pool.subarray(offset, offset + n));
    pool.fill(0, offset, offset + n);
    offset += n;
    return out;
  },
};
