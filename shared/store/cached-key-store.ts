/**
 * Short-TTL read-through cache in front of a KeyStore (ARCHITECTURE principle 8): a warm Encrypt or
 * Decrypt reads key and alias from memory. Writes through this instance refresh or drop the entry at
 * once, so a process sees its own writes immediately; other processes (other Lambda instances) see them
 * within the TTL, which matches AWS KMS's documented eventual consistency.
 * Key material has one cache, the material vault's (unwrapped, core/material-vault.ts): a wrapped copy
 * here would only ever be read when the vault misses, which is when it is read from the store anyway.
 */
import { settled } from '../core/multi-region.js';
import { ConditionFailedError } from './ports.js';
import type { AliasRecord, KeyRecord, WrappedMaterial } from '../core/types.js';
import type { KeyEffects, KeyStore, Page } from './ports.js';
import type { OutboxEntry } from '../core/sinks.js';

interface Entry<T> {
  value: T;
  expiresAt: number;
}

const MAX_ENTRIES = 50_000;

export class CachedKeyStore implements KeyStore {
  private readonly keys = new Map<string, Entry<KeyRecord>>();
  private readonly aliases = new Map<string, Entry<AliasRecord>>();

  constructor(
    private readonly inner: KeyStore,
    private readonly ttlMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async getKey(keyId: string, options?: { fresh?: boolean }): Promise<KeyRecord | undefined> {
    const hit = options?.fresh ? undefined : this.fresh(this.keys, keyId);
    // A replica cached while it was Creating is Enabled once its moment has passed (core/multi-region.ts).
    if (hit) return hit.keyState === 'Creating' ? settled(hit, this.nowMs()) : hit;
    const key = await this.inner.getKey(keyId);
    if (key) this.put(this.keys, keyId, key);
    else this.keys.delete(keyId);
    return key;
  }

  async createKey(key: KeyRecord, material?: WrappedMaterial, alias?: AliasRecord): Promise<void> {
    await this.inner.createKey(key, material, alias);
    this.put(this.keys, key.keyId, key);
    if (alias) this.aliases.delete(`${alias.account}/${alias.aliasName}`);
  }

  async updateKey(next: KeyRecord): Promise<void> {
    try {
      await this.inner.updateKey(next);
      this.put(this.keys, next.keyId, next);
    } catch (error) {
      this.afterFailedWrite(next.keyId, error);
      throw error;
    }
  }

  async commitKey(next: KeyRecord, effects: KeyEffects): Promise<void> {
    try {
      await this.inner.commitKey(next, effects);
      this.put(this.keys, next.keyId, next);
    } catch (error) {
      this.afterFailedWrite(next.keyId, error);
      throw error;
    }
  }

  /**
   * Our copy was stale. A lost race that brought the winner's key back keeps that (the retry reads it
   * from here, no store read); otherwise the copy goes. A multi-region key's stored item lacks the
   * shared item's overlay, so it is never cached from a failure.
   */
  private afterFailedWrite(keyId: string, error: unknown): void {
    const current = error instanceof ConditionFailedError ? error.current : undefined;
    if (current && !current.multiRegion) this.put(this.keys, keyId, current);
    else this.keys.delete(keyId);
  }

  async deleteKey(key: KeyRecord, outbox: OutboxEntry[]): Promise<void> {
    try {
      await this.inner.deleteKey(key, outbox);
    } finally {
      this.keys.delete(key.keyId);
    }
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

  listKeys(account: string, limit: number, after?: string): Promise<Page<string>> {
    return this.inner.listKeys(account, limit, after);
  }

  getMaterial(keyId: string, keyMaterialId: string): Promise<WrappedMaterial | undefined> {
    return this.inner.getMaterial(keyId, keyMaterialId);
  }


  async getAlias(account: string, aliasName: string): Promise<AliasRecord | undefined> {
    const id = `${account}/${aliasName}`;
    const hit = this.fresh(this.aliases, id);
    if (hit) return hit;
    const alias = await this.inner.getAlias(account, aliasName);
    if (alias) this.put(this.aliases, id, alias);
    return alias;
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
  }

  private fresh<T>(map: Map<string, Entry<T>>, id: string): T | undefined {
    const entry = map.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt > this.nowMs()) return entry.value;
    map.delete(id);
    return undefined;
  }

  private put<T>(map: Map<string, Entry<T>>, id: string, value: T): void {
    if (this.ttlMs === 0) return;
    if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
    map.set(id, { value, expiresAt: this.nowMs() + this.ttlMs });
  }
}
