/**
 * Short-TTL read-through cache in front of a KeyStore (ARCHITECTURE principle 8): a warm Encrypt or
 * Decrypt reads key and alias from memory, and a steady load never waits on the store (concurrent misses
 * share one read, used entries are re-read ahead of expiry: store/refreshing-cache.ts). Writes through this instance refresh or drop the entry at
 * once, so a process sees its own writes immediately; other processes (other Lambda instances) see them
 * within the TTL, which matches AWS KMS's documented eventual consistency.
 * Key material has one cache, the material vault's (unwrapped, core/material-vault.ts): a wrapped copy
 * here would only ever be read when the vault misses, which is when it is read from the store anyway.
 */
import { settled } from '../core/multi-region.js';
import { ConditionFailedError } from './ports.js';
import { RefreshingCache, type RefreshingCacheOptions } from './refreshing-cache.js';
import type { AliasRecord, KeyRecord, WrappedMaterial } from '../core/types.js';
import type { KeyEffects, KeyStore, Page } from './ports.js';
import type { OutboxEntry } from '../core/sinks.js';
import type { CacheChange } from './cache-change.js';

/** What this store tells the other processes that cache its region (services.ts adds the region). */
export type KeyCacheChange = Omit<Extract<CacheChange, { kind: 'key' }>, 'region'> | Omit<Extract<CacheChange, { kind: 'alias' }>, 'region'>;

const MAX_ENTRIES = 50_000;

export class CachedKeyStore implements KeyStore {
  private readonly keys: RefreshingCache<KeyRecord>;
  private readonly aliases: RefreshingCache<AliasRecord>;

  constructor(
    private readonly inner: KeyStore,
    ttlMs: number,
    private readonly nowMs: () => number = Date.now,
    onRead?: RefreshingCacheOptions['onRead'],
    /** Tells the other processes of a write, before it is acknowledged (none: they rely on the TTL). */
    private readonly announce?: (change: KeyCacheChange) => Promise<void>,
  ) {
    this.keys = new RefreshingCache({ ttlMs, maxEntries: MAX_ENTRIES, now: nowMs, onRead });
    this.aliases = new RefreshingCache({ ttlMs, maxEntries: MAX_ENTRIES, now: nowMs, onRead });
  }

  async getKey(keyId: string, options?: { fresh?: boolean }): Promise<KeyRecord | undefined> {
    if (options?.fresh) {
      const key = await this.inner.getKey(keyId);
      if (key) this.keys.set(keyId, key);
      else this.keys.delete(keyId);
      return key;
    }
    const key = await this.keys.get(keyId, () => this.inner.getKey(keyId));
    // A replica cached while it was Creating is Enabled once its moment has passed (core/multi-region.ts).
    return key?.keyState === 'Creating' ? settled(key, this.nowMs()) : key;
  }

  async createKey(key: KeyRecord, material?: WrappedMaterial, alias?: AliasRecord): Promise<void> {
    await this.inner.createKey(key, material, alias);
    this.keys.set(key.keyId, key);
    if (alias) this.aliases.delete(`${alias.account}/${alias.aliasName}`);
    if (this.announce) {
      await this.announce({ kind: 'key', keyId: key.keyId });
      if (alias) await this.announce({ kind: 'alias', account: alias.account, aliasName: alias.aliasName });
    }
  }

  async updateKey(next: KeyRecord): Promise<void> {
    try {
      await this.inner.updateKey(next);
      this.keys.set(next.keyId, next);
    } catch (error) {
      this.afterFailedWrite(next.keyId, error);
      throw error;
    }
    await this.announce?.({ kind: 'key', keyId: next.keyId });
  }

  async commitKey(next: KeyRecord, effects: KeyEffects): Promise<void> {
    try {
      await this.inner.commitKey(next, effects);
      this.keys.set(next.keyId, next);
    } catch (error) {
      this.afterFailedWrite(next.keyId, error);
      throw error;
    }
    await this.announce?.({ kind: 'key', keyId: next.keyId });
  }

  /**
   * Our copy was stale. A lost race that brought the winner's key back keeps that (the retry reads it
   * from here, no store read); otherwise the copy goes. A multi-region key's stored item lacks the
   * shared item's overlay, so it is never cached from a failure.
   */
  private afterFailedWrite(keyId: string, error: unknown): void {
    const current = error instanceof ConditionFailedError ? error.current : undefined;
    if (current && !current.multiRegion) this.keys.set(keyId, current);
    else this.keys.delete(keyId);
  }

  async deleteKey(key: KeyRecord, outbox: OutboxEntry[]): Promise<void> {
    try {
      await this.inner.deleteKey(key, outbox);
    } finally {
      this.keys.delete(key.keyId);
    }
    await this.announce?.({ kind: 'key', keyId: key.keyId });
  }

  listMaterials(keyId: string): Promise<WrappedMaterial[]> {
    return this.inner.listMaterials(keyId);
  }

  /** Forgets everything this process cached (the local runtime's reset). */
  clear(): void {
    this.keys.clear();
    this.aliases.clear();
  }

  /** Forgets what this process cached about a key (its aliases go with the TTL). */
  forgetKey(keyId: string): void {
    this.keys.delete(keyId);
  }

  /** Forgets what this process cached about an alias (another process wrote it). */
  forgetAlias(account: string, aliasName: string): void {
    this.aliases.delete(`${account}/${aliasName}`);
  }

  listKeys(account: string, limit: number, after?: string): Promise<Page<string>> {
    return this.inner.listKeys(account, limit, after);
  }

  getMaterial(keyId: string, keyMaterialId: string): Promise<WrappedMaterial | undefined> {
    return this.inner.getMaterial(keyId, keyMaterialId);
  }

  async getAlias(account: string, aliasName: string): Promise<AliasRecord | undefined> {
    return this.aliases.get(`${account}/${aliasName}`, () => this.inner.getAlias(account, aliasName));
  }

  async createAlias(alias: AliasRecord): Promise<void> {
    await this.aliasWrite(alias.account, alias.aliasName, () => this.inner.createAlias(alias));
  }

  async updateAlias(alias: AliasRecord, previousTargetKeyId: string): Promise<void> {
    await this.aliasWrite(alias.account, alias.aliasName, () => this.inner.updateAlias(alias, previousTargetKeyId));
  }

  async deleteAlias(account: string, aliasName: string): Promise<void> {
    await this.aliasWrite(account, aliasName, () => this.inner.deleteAlias(account, aliasName));
  }

  listAliases(account: string, limit: number, after?: string): Promise<Page<AliasRecord>> {
    return this.inner.listAliases(account, limit, after);
  }

  listAliasesOfKey(keyId: string, limit: number, after?: string): Promise<Page<AliasRecord>> {
    return this.inner.listAliasesOfKey(keyId, limit, after);
  }

  private async aliasWrite(account: string, aliasName: string, write: () => Promise<void>): Promise<void> {
    this.aliases.delete(`${account}/${aliasName}`);
    try {
      await write();
    } finally {
      this.aliases.delete(`${account}/${aliasName}`);
    }
    await this.announce?.({ kind: 'alias', account, aliasName });
  }
}
