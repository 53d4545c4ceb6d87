/**
 * Short-TTL cache in front of a GrantStore for the hot path (ARCHITECTURE principle 8): a request that
 * the key policy does not allow asks for the caller's grants on the key, and a warm process answers from
 * memory, empty answers included. Grant writes through this instance drop the key's entries at once, so
 * a process sees its own CreateGrant / RetireGrant / RevokeGrant immediately (store/refreshing-cache.ts:
 * concurrent misses share one read, used entries are re-read ahead of expiry); other processes see them
 * within the TTL, inside the eventual consistency AWS documents for grants (usually under five minutes).
 * A grant token covers the gap for a new grant; tombstones are read uncached, so a token is refused as
 * soon as its grant is removed. Everything but the authorization lookup passes straight through.
 */
import type { Page } from './ports.js';
import type { GrantStore } from './grant-store.js';
import { RefreshingCache, type RefreshingCacheOptions } from './refreshing-cache.js';
import type { CreateGrantOutcome, GrantRecord, GrantRemoval, GrantTombstone } from '../grants/types.js';

/** Keys whose lookups are cached at once; the oldest key's entries go first. */
const MAX_KEYS = 10_000;
const MAX_ENTRIES = 50_000;

export class CachedGrantStore implements GrantStore {
  /** (keyId, match key) -> the grants that match */
  private readonly lookups: RefreshingCache<GrantRecord[]>;
  /** keyId -> its cached match keys, so a grant write drops them all */
  private readonly matchKeysOf = new Map<string, Set<string>>();

  constructor(
    private readonly inner: GrantStore,
    ttlMs: number,
    nowMs: () => number = Date.now,
    onRead?: RefreshingCacheOptions['onRead'],
    /** Tells the other processes that a key's grants changed, before the write is acknowledged. */
    private readonly announce?: (keyId: string) => Promise<void>,
  ) {
    this.lookups = new RefreshingCache({ ttlMs, maxEntries: MAX_ENTRIES, now: nowMs, onRead });
  }

  /** Forgets everything this process cached (the local runtime's reset). */
  clear(): void {
    this.lookups.clear();
    this.matchKeysOf.clear();
  }

  async grantsForMatchKeys(keyId: string, matchKeys: readonly string[]): Promise<GrantRecord[]> {
    let known = this.matchKeysOf.get(keyId);
    if (!known) {
      if (this.matchKeysOf.size >= MAX_KEYS) this.forget(this.matchKeysOf.keys().next().value!);
      this.matchKeysOf.set(keyId, (known = new Set()));
    }
    // Each match key on its own, so each is cached (and re-read) on its own; empty answers included.
    const found = matchKeys.map((matchKey) => {
      known.add(matchKey);
      return this.lookups.get(`${keyId}\u0000${matchKey}`, () => this.inner.grantsForMatchKeys(keyId, [matchKey]));
    });
    const all = found.some((f) => f instanceof Promise) ? await Promise.all(found) : (found as (GrantRecord[] | undefined)[]);
    return all.flatMap((grants) => grants ?? []);
  }

  async createGrant(grant: GrantRecord, maxGrantsPerKey: number): Promise<CreateGrantOutcome> {
    return this.write(grant.keyId, () => this.inner.createGrant(grant, maxGrantsPerKey));
  }

  async deleteGrant(grant: GrantRecord, removal: GrantRemoval, at: number): Promise<void> {
    return this.write(grant.keyId, () => this.inner.deleteGrant(grant, removal, at));
  }

  getGrant(keyId: string, grantId: string): Promise<GrantRecord | undefined> {
    return this.inner.getGrant(keyId, grantId);
  }

  getTombstone(keyId: string, grantId: string): Promise<GrantTombstone | undefined> {
    return this.inner.getTombstone(keyId, grantId);
  }

  listGrants(keyId: string, limit: number, after?: string): Promise<Page<GrantRecord>> {
    return this.inner.listGrants(keyId, limit, after);
  }

  listGrantsOfGrantee(keyId: string, grantee: { principal?: string; servicePrincipal?: string }, limit: number, after?: string) {
    return this.inner.listGrantsOfGrantee(keyId, grantee, limit, after);
  }

  listRetirableGrants(retiring: { principal?: string; servicePrincipal?: string }, limit: number, after?: string) {
    return this.inner.listRetirableGrants(retiring, limit, after);
  }

  /** Drops the key's entries before and after a write, so no read that raced the write stays cached. */
  private async write<T>(keyId: string, run: () => Promise<T>): Promise<T> {
    this.forget(keyId);
    let result: T;
    try {
      result = await run();
    } finally {
      this.forget(keyId);
    }
    await this.announce?.(keyId);
    return result;
  }

  /** Forgets the lookups cached for a key (here after a write, or told by another process). */
  forget(keyId: string): void {
    for (const matchKey of this.matchKeysOf.get(keyId) ?? []) this.lookups.delete(`${keyId}\u0000${matchKey}`);
    this.matchKeysOf.delete(keyId);
  }
}
