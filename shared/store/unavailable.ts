/**
 * Whether a store error means the store is unreachable or overloaded (DynamoDB Local down or restarting,
 * a connection refused or reset, a timeout, throttling, a 5xx after the SDK's own retries) rather than a
 * bug. The API answers those with AWS's dependency error (DependencyTimeoutException, 503, which the SDKs
 * retry) instead of KMSInternalException: nothing was done, and the request may simply be sent again.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
const OVERLOAD_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

export function isStoreUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; code?: string; cause?: unknown; $metadata?: { httpStatusCode?: number }; message?: string };
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return true;
  if (e.name !== undefined && OVERLOAD_NAMES.has(e.name)) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  if (typeof e.message === 'string' && /socket hang up|ECONNREFUSED|ECONNRESET/.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== error && isStoreUnavailable(e.cause);
}
