/**
 * What a write changed in the hot path's caches, told to the other processes that cache the same table
 * (the local service's API workers, infra/local/worker-pool.ts), so that each forgets its copy before the
 * write is acknowledged. Lambda instances get no such message: they rely on the TTL.
 */
export type CacheChange =
  | { readonly kind: 'key'; readonly region: string; readonly keyId: string }
  | { readonly kind: 'alias'; readonly region: string; readonly account: string; readonly aliasName: string }
  | { readonly kind: 'grants'; readonly region: string; readonly keyId: string }
  | { readonly kind: 'credential'; readonly accessKeyId: string }
  /** Everything (the local reset). */
  | { readonly kind: 'all' };

/** Tells the other processes of a change; resolves once each has forgotten what it changed. */
export type AnnounceCacheChange = (change: CacheChange) => Promise<void>;
