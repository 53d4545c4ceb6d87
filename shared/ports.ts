/** The narrow interfaces the core uses; adapters in shared/store and shared/adapters implement them. */
import type { AliasRecord, KeyRecord, WrappedMaterial } from './core/types.js';

export interface Clock {
  now(): Date;
}

export interface Random {
  bytes(n: number): Buffer;
}

export interface RootKeyProvider {
  /** Identifies the root key, stored beside each wrapped material. */
  readonly rootKeyId: string;
  /** The 32-byte root key. Never logged, never stored in the table. */
  rootKey(): Promise<Buffer>;
}

export interface Page<T> {
  items: T[];
  /** Sort key of the last item returned, when more items follow. */
  next?: string;
}

/** Thrown by a conditional write whose condition failed (someone else wrote first). */
export class ConditionFailedError extends Error {}

/** All state of one region, behind one interface (conventions: ports and adapters). */
export interface KeyStore {
  getKey(keyId: string): Promise<KeyRecord | undefined>;
  /**
   * Creates key, its list entry, its first material and optionally an alias to it in one transaction;
   * fails with ConditionFailedError if the id or the alias exists.
   */
  createKey(key: KeyRecord, material?: WrappedMaterial, alias?: AliasRecord): Promise<void>;
  /** Writes `next` only if the stored revision is still `next.revision - 1`. */
  updateKey(next: KeyRecord): Promise<void>;
  listKeys(account: string, limit: number, after?: string): Promise<Page<string>>;

  getMaterial(keyId: string, keyMaterialId: string): Promise<WrappedMaterial | undefined>;

  getAlias(account: string, aliasName: string): Promise<AliasRecord | undefined>;
  /** Fails with ConditionFailedError if the alias exists. */
  createAlias(alias: AliasRecord): Promise<void>;
  /** Fails with ConditionFailedError unless the alias still targets `previousTargetKeyId`. */
  updateAlias(alias: AliasRecord, previousTargetKeyId: string): Promise<void>;
  /** Fails with ConditionFailedError if the alias does not exist. */
  deleteAlias(account: string, aliasName: string): Promise<void>;
  listAliases(account: string, limit: number, after?: string): Promise<Page<AliasRecord>>;
  listAliasesOfKey(keyId: string, limit: number, after?: string): Promise<Page<AliasRecord>>;
}

/** Hands out the KeyStore of a region (each region has its own items; see ARCHITECTURE "Home-region writes"). */
export interface KeyStores {
  forRegion(region: string): KeyStore;
}
