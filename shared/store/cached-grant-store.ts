/**
 * Short-TTL cache in front of a GrantStore for the hot path (ARCHITECTURE principle 8): a request that
 * the key policy does not allow asks for the caller's grants on the key, and a warm process answers from
 * memory, empty answers included. Grant writes through this instance drop the key's entries at once, so
 * a process sees its own CreateGrant / RetireGrant / RevokeGrant immediately; other processes see them
 * within the TTL, inside the eventual consistency AWS documents for grants (usually under five minutes).
 * A grant token covers the gap for a new grant; tombstones are read uncached, so a token is refused as
 * soon as its grant is removed. Everything but the authorization lookup passes straight through.
 */
import type { Page } from './ports.js';
import type { GrantStore } from './grant-store.js';
import type { CreateGrantOutcome, GrantRecord, GrantRemoval, GrantTombstone } from '../grants/types.js';

interface Entry {
  grants: GrantRecord[];
  expiresAt: number;
}

/** Keys whose lookups are cached at once; the oldest key's entries go first. */
const MAX_KEYS = 10_000;

export class CachedGrantStore implements GrantStore {
  /** keyId -> match key -> entry */
  private readonly byKey = new Map<string, Map<string, Entry>>();
  /** Bumped by every grant write, so a lookup that overlapped one is not cached. */
  private writes = 0;

  /** Forgets everything this process cached (the local runtime's reset). */
  clear(): void {
    this.byKey.clear();
  }

  constructor(
    private readonly inner: GrantStore,
    private readonly ttlMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async grantsForMatchKeys(keyId: string, matchKeys: readonly string[]): Promise<GrantRecord[]> {
    if (this.ttlMs === 0) return this.inner.grantsForMatchKeys(keyId, matchKeys);
    const now = this.nowMs();
    const cached = this.byKey.get(keyId);
    const missing = matchKeys.filter((matchKey) => {
      const entry = cached?.get(matchKey);
      return !entry || entry.expiresAt <= now;
    });
    if (missing.length > 0) {
      const writesBefore = this.writes;
      // Read each missing match key on its own so each can be cached on its own.
      const fetched = await Promise.all(missing.map((matchKey) => this.inner.grantsForMatchKeys(keyId, [matchKey])));
      const result = new Map(missing.map((matchKey, i) => [matchKey, fetched[i]!] as const));
      // A grant write in this process while we read may have changed the answer: use it, don't keep it.
      if (this.writes === writesBefore) {
        let map = this.byKey.get(keyId);
        if (!map) {
          if (this.byKey.size >= MAX_KEYS) this.byKey.delete(this.byKey.keys().next().value!);
          map = new Map();
          this.byKey.set(keyId, map);
        }
        for (const [matchKey, grants] of result) map.set(matchKey, { grants, expiresAt: now + this.ttlMs });
      }
      return matchKeys.flatMap((matchKey) => result.get(matchKey) ?? cached?.get(matchKey)?.grants ?? []);
    }
    return matchKeys.flatMap((matchKey) => cached!.get(matchKey)!.grants);
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
    this.writes++;
    this.byKey.delete(keyId);
    try {
      return await run();
    } finally {
      this.writes++;
      this.byKey.delete(keyId);
    }
  }
}
