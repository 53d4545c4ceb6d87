/**
 * A short-TTL cache for the hot path's store reads (keys, aliases, grants, credentials), with two
 * properties a plain TTL map lacks:
 *   - single flight: concurrent misses for one id share one store read, so an expiry under load costs
 *     one read, not one per waiting request;
 *   - refresh ahead: an entry used in the last `refreshAheadMs` of its life is re-read in the background
 *     while the cached value keeps being served, so a steady load never waits on the store.
 * A value is never older than the TTL (from the read that produced it), the bound the callers document.
 * A write through this process replaces or drops the entry (`set`, `delete`); a read that was in flight
 * meanwhile, refresh or miss, is then not kept (it may predate the write).
 */

interface Entry<V> {
  value: V | undefined;
  expiresAt: number;
  /** From when a use re-reads it in the background (never for a "not found": it just expires). */
  refreshAt: number;
  /** The background re-read under way, if any. */
  refreshing?: Promise<unknown>;
}

interface Pending<V> {
  loading: Promise<V | undefined>;
}

export interface RefreshingCacheOptions {
  ttlMs: number;
  /** How long a "not found" is remembered (default 0: not at all). */
  negativeTtlMs?: number;
  /** Entries used within this long of expiring are re-read in the background (default a fifth of the TTL, at most 1 s). */
  refreshAheadMs?: number;
  maxEntries: number;
  now?: () => number;
  /** Told of each store read: awaited by a request (a miss), or in the background (a refresh). */
  onRead?: (kind: 'miss' | 'refresh') => void;
}

export class RefreshingCache<V> {
  private readonly entries = new Map<string, Entry<V> | Pending<V>>();
  private readonly ttlMs: number;
  private readonly negativeTtlMs: number;
  private readonly refreshAheadMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RefreshingCacheOptions) {
    this.ttlMs = options.ttlMs;
    this.negativeTtlMs = Math.min(options.negativeTtlMs ?? 0, options.ttlMs);
    this.refreshAheadMs = options.refreshAheadMs ?? Math.min(1000, options.ttlMs / 5);
    this.now = options.now ?? Date.now;
  }

  /** The value of `id`: synchronous on a fresh hit, else the (shared) read of `load`. */
  get(id: string, load: () => Promise<V | undefined>): V | undefined | Promise<V | undefined> {
    if (this.ttlMs <= 0) return load();
    const found = this.entries.get(id);
    if (found && 'loading' in found) return found.loading;
    if (found) {
      const now = this.now();
      if (found.expiresAt > now) {
        if (!found.refreshing && now >= found.refreshAt) this.refresh(id, found, load);
        return found.value;
      }
    }
    return this.miss(id, load);
  }

  /** What this process just wrote (a read in flight for `id` is not kept). */
  set(id: string, value: V): void {
    if (this.ttlMs > 0) this.keep(id, value);
  }

  /** Forgets `id` (a read in flight for it is not kept). */
  delete(id: string): void {
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }

  private miss(id: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    this.options.onRead?.('miss');
    const pending: Pending<V> = { loading: undefined as unknown as Promise<V | undefined> };
    pending.loading = load().then(
      (value) => {
        if (this.entries.get(id) === pending) this.keep(id, value);
        return value;
      },
      (error: unknown) => {
        if (this.entries.get(id) === pending) this.entries.delete(id);
        throw error;
      },
    );
    this.store(id, pending);
    return pending.loading;
  }

  private refresh(id: string, entry: Entry<V>, load: () => Promise<V | undefined>): void {
    this.options.onRead?.('refresh');
    entry.refreshing = load().then(
      (value) => {
        if (this.entries.get(id) === entry) this.keep(id, value);
      },
      // The cached value stays until it expires; the next use after that reads (and reports) again.
      () => {
        if (this.entries.get(id) === entry) entry.refreshing = undefined;
      },
    );
  }

  private keep(id: string, value: V | undefined): void {
    const now = this.now();
    if (value !== undefined) this.store(id, { value, expiresAt: now + this.ttlMs, refreshAt: now + this.ttlMs - this.refreshAheadMs });
    else if (this.negativeTtlMs > 0) this.store(id, { value, expiresAt: now + this.negativeTtlMs, refreshAt: Number.POSITIVE_INFINITY });
    else this.entries.delete(id);
  }

  private store(id: string, entry: Entry<V> | Pending<V>): void {
    if (!this.entries.has(id) && this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    // Delete first, so the map's order stays oldest-written first (what goes when it is full).
    this.entries.delete(id);
    this.entries.set(id, entry);
  }
}
