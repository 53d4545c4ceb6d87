/**
 * The one conflict-retry helper for every read-modify-write (conventions: "Races end in success or a
 * documented error"). `attempt` reads, checks and writes conditionally; when the write loses a race
 * (ConditionFailedError, or a step that asks for another round with RetryConflict) it runs again on
 * fresh state after a backoff with full jitter (AWS's "exponential backoff and jitter"), so concurrent
 * writers of one item serialize instead of colliding round after round. After `attempts` lost rounds
 * (about 3 s with the defaults) the caller gets a ConflictException, never a 500.
 */
import { ConditionFailedError } from '../store/ports.js';
import { ConflictException } from '../errors.js';

/** Thrown inside an attempt to ask for another round (e.g. what it matched was removed meanwhile). */
export class RetryConflict extends Error {
  override name = 'RetryConflict';
}

export interface ConflictRetryOptions {
  /** Rounds before giving up (default 30). */
  attempts?: number;
  /** The answer when every round lost (default: ConflictException). */
  exhausted?: () => Error;
  /** [0, 1); injected by tests. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_CONFLICT_ATTEMPTS = 30;
const BASE_DELAY_MS = 2;
const MAX_DELAY_MS = 200;

export const CONCURRENT_CHANGE_MESSAGE = 'The request conflicted with concurrent changes to the same resource. Try the request again.';

export async function retryOnConflict<T>(attempt: (round: number) => Promise<T>, options: ConflictRetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_CONFLICT_ATTEMPTS;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let round = 1; ; round++) {
    try {
      return await attempt(round);
    } catch (error) {
      if (!(error instanceof ConditionFailedError || error instanceof RetryConflict)) throw error;
      if (round >= attempts) throw options.exhausted?.() ?? new ConflictException(CONCURRENT_CHANGE_MESSAGE);
      await sleep(backoffMs(round, random));
    }
  }
}

/** Full jitter: uniform in [0, min(cap, base x 2^(round-1))). */
export function backoffMs(round: number, random: () => number = Math.random): number {
  return random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (round - 1));
}
