/**
 * Opaque pagination markers (Marker / NextMarker / Truncated as AWS does them). A marker carries the
 * sort key of the last item returned; anything we did not issue is an InvalidMarkerException.
 */
import { InvalidMarkerException, ValidationException } from '../errors.js';

const PREFIX = 'v1:';

export function encodeMarker(after: string): string {
  return Buffer.from(PREFIX + after, 'utf8').toString('base64url');
}

export function decodeMarker(marker: string | undefined): string | undefined {
  if (marker === undefined) return undefined;
  const decoded = /^[A-Za-z0-9_-]+$/.test(marker) ? Buffer.from(marker, 'base64url').toString('utf8') : '';
  if (!decoded.startsWith(PREFIX) || decoded.length === PREFIX.length) throw new InvalidMarkerException('Invalid marker');
  return decoded.slice(PREFIX.length);
}

/**
 * The service's own Limit range for an operation (narrower than the model's 1-1000 for some), checked
 * with the model's wording.
 */
export function pageLimit(limit: number | undefined, max: number, fallback: number): number {
  if (limit === undefined) return fallback;
  if (limit > max) {
    throw new ValidationException(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
  return limit;
}

export function pageResult<T>(items: T[], next: string | undefined) {
  return next === undefined ? { items, Truncated: false } : { items, Truncated: true, NextMarker: encodeMarker(next) };
}
