/** The narrow interfaces the core uses; adapters in shared/store and shared/adapters implement them. */
import type { CredentialRecord } from '../core/credentials.js';
import type { OutboxEntry } from '../core/sinks.js';
import type { AliasRecord, KeyRecord, WrappedMaterial } from '../core/types.js';

export interface Page<T> {
  items: T[];
  /** Sort key of the last item returned, when more items follow. */
  next?: string;
}

/** Thrown by a conditional write whose condition failed (someone else wrote first). */
export class ConditionFailedError extends Error {
  constructor(
    message?: string,
    /**
     * The key as the failed write found it stored, when the store could return it with the failure
     * (DynamoDB's ReturnValuesOnConditionCheckFailure): a retry starts from it without another read.
     */
    readonly current?: KeyRecord,
  ) {
    super(message);
  }
}

/** All state of one region, behind one interface (conventions: ports and adapters). */
export interface KeyStore {
  /** `fresh`: skip any cache (the jobs decide on the stored state, e.g. after another region's write). */
  getKey(keyId: string, options?: { fresh?: boolean }): Promise<KeyRecord | undefined>;
  /**
   * Creates key, its list entry, its first material and optionally an alias to it in one transaction;
   * fails with ConditionFailedError if the id or the alias exists.
   */
  createKey(key: KeyRecord, material?: WrappedMaterial, alias?: AliasRecord): Promise<void>;
  /** Writes `next` only if the stored revision is still `next.revision - 1`. */
  updateKey(next: KeyRecord): Promise<void>;
  /**
   * Like updateKey, with side effects in the same transaction (all or nothing): materials added or
   * deleted, outbox entries (events, audit records, notifications) to deliver afterwards, and an
   * idempotency marker that fails the whole write with ConditionFailedError if it exists already.
   */
  commitKey(next: KeyRecord, effects: KeyEffects): Promise<void>;
  /**
   * Deletes the key (conditional on `key.revision` being current) and its list entry, leaves a cleanup
   * marker for what hangs off it (aliases, grants, materials), and writes the outbox entries: one
   * transaction. After it the key id answers NotFoundException.
   */
  deleteKey(key: KeyRecord, outbox: OutboxEntry[]): Promise<void>;
  /** Every material of a key (all versions), oldest first. */
  listMaterials(keyId: string): Promise<WrappedMaterial[]>;
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

/**
 * Other regions' keys as this region's replica of the global table holds them (multi-region keys, and
 * recovery decrypts for a region declared failed). What it reads may lag behind the other region.
 */
export interface PeerKeys {
  /** The regions of the global table (KMS_REGIONS, then any that joined locally), in that order. */
  readonly regions: readonly string[];
  /** Whether a region can hold a replica: one the service answers for (shared/regions.ts). */
  canHold(region: string): boolean;
  /**
   * Locally, where every region is served: makes a region outside the global table join it (its table,
   * a copy of the items, replication). Deployed stacks have no such thing: their stage's regions are the table's.
   */
  join?(region: string): Promise<void>;
  /** Another region's key, read from this region's table. */
  keyIn(region: string, keyId: string): Promise<KeyRecord | undefined>;
  /** Another region's items as this region's table holds them (ReplicateKey records the new replica here too). */
  viewOf(region: string): KeyStore;
  /**
   * Another region's own store (its replica of the global table, through that region's endpoint):
   * ReplicateKey creates the new replica's items there, so the replica region has them at once.
   */
  storeIn(region: string): KeyStore;
}

export interface KeyEffects {
  putMaterials?: WrappedMaterial[];
  /** Records of existing imported materials, rewritten (re-import, expiry, deletion, rotation). */
  replaceMaterials?: WrappedMaterial[];
  deleteMaterials?: string[];
  outbox?: OutboxEntry[];
  /** A once-only marker (e.g. the id of an EventBridge event that asked for a rotation). */
  idempotencyKey?: string;
  /**
   * Multi-region keys: the record the shared item is written from, when it is not the key written
   * (UpdatePrimaryRegion: the new primary's). By default a primary's own write updates it.
   */
  sharedFrom?: KeyRecord;
}

/** Hands out the KeyStore of a region (each region has its own items; see ARCHITECTURE "Home-region writes"). */
export interface KeyStores {
  forRegion(region: string): KeyStore;
}

/**
 * Service credentials (shared/credentials): one global partition read by every region, written only from
 * the stage's primary region; the per-region record of last use beside it.
 */
export interface CredentialStore {
  /** `consistent`: a strongly consistent read (the operator's read-modify-write). */
  getCredential(accessKeyId: string, options?: { consistent?: boolean }): Promise<CredentialRecord | undefined>;
  listCredentials(): Promise<CredentialRecord[]>;
  /**
   * Writes `next` with the outbox entries (its audit record) in one transaction: a new credential
   * (revision 1) only if its id is free, a change only if the stored revision is `next.revision - 1`;
   * ConditionFailedError otherwise.
   */
  putCredential(next: CredentialRecord, outbox: OutboxEntry[]): Promise<void>;
  /** Deletes the credential if it is still at `current.revision`, with the outbox entries, in one transaction. */
  deleteCredential(current: CredentialRecord, outbox: OutboxEntry[]): Promise<void>;
  /** Records a use in this store's region (best effort; never older over newer). */
  recordUse(accessKeyId: string, at: number): Promise<void>;
  /** The latest use of each credential over `regions`. */
  lastUses(regions: readonly string[]): Promise<Map<string, number>>;
}

/** A key's last successful cryptographic use in a region (GetKeyLastUsage). */
export interface KeyUsage {
  operation: string;
  /** Milliseconds since the epoch. */
  at: number;
  /** The API call's audit record (its CloudTrail eventID) and request id. */
  eventId: string;
  requestId: string;
}

/** Where each key's last use in one region is kept (one item beside the key, written at most once a minute per instance). */
export interface KeyUsageStore {
  /** Keeps `usage` unless a later one is stored already. */
  recordUsage(keyId: string, usage: KeyUsage): Promise<void>;
  lastUsage(keyId: string): Promise<KeyUsage | undefined>;
}
