/** The stored shape of keys, aliases and key material; names follow the AWS model where one exists. */

/** AWS's KeyState enum. */
export type KeyState =
  | 'Creating'
  | 'Enabled'
  | 'Disabled'
  | 'PendingDeletion'
  | 'PendingImport'
  | 'PendingReplicaDeletion'
  | 'Unavailable'
  | 'Updating';

export type KeyUsage = 'SIGN_VERIFY' | 'ENCRYPT_DECRYPT' | 'GENERATE_VERIFY_MAC' | 'KEY_AGREEMENT';
export type KeyManager = 'AWS' | 'CUSTOMER';
export type Origin = 'AWS_KMS' | 'EXTERNAL' | 'AWS_CLOUDHSM' | 'EXTERNAL_KEY_STORE';
export type ExpirationModel = 'KEY_MATERIAL_EXPIRES' | 'KEY_MATERIAL_DOES_NOT_EXPIRE';
export type RotationType = 'AUTOMATIC' | 'ON_DEMAND';

/** One KMS key in one account and region. Dates are epoch milliseconds. */
export interface KeyRecord {
  keyId: string;
  account: string;
  region: string;
  arn: string;
  creationDate: number;
  description: string;
  keyUsage: KeyUsage;
  keySpec: string;
  origin: Origin;
  keyManager: KeyManager;
  keyState: KeyState;
  multiRegion: boolean;
  /**
   * Multi-region keys: the region of the current primary key (from the shared item, store/multi-region-item.ts);
   * the key is a replica when it differs from `region`.
   */
  primaryRegion?: string;
  /** The material new ciphertexts are made with; absent while a key has none (PendingImport). */
  currentKeyMaterialId?: string;
  /**
   * PendingDeletion: when the key is deleted. PendingReplicaDeletion (a multi-region primary waiting for its
   * replicas to go): when the deletion job starts checking whether they are gone.
   */
  deletionDate?: number;
  pendingWindowInDays?: number;
  tags: Record<string, string>;
  /** The key policy document, exactly as set (GetKeyPolicy returns it byte for byte). */
  policy: string;
  /**
   * Automatic rotation (symmetric AWS_KMS keys). Kept while the key is PendingDeletion or Disabled, so
   * cancelling or re-enabling restores it; the rotation job only sees Enabled keys (store/due-index.ts).
   */
  rotationEnabled?: boolean;
  rotationPeriodInDays?: number;
  /** When the next automatic rotation is due (epoch ms), while rotation is enabled. */
  nextRotationDate?: number;
  /** On-demand rotations made so far (AWS allows 25 per key). */
  onDemandRotationCount?: number;
  /**
   * EXTERNAL origin: how the current imported material expires; validTo is the earliest expiry (epoch ms)
   * of the imported materials permanently associated with the key (all but one pending rotation).
   */
  expirationModel?: ExpirationModel;
  validTo?: number;
  /**
   * EXTERNAL origin: the id of the key's current imported material, kept while the key lacks material
   * (currentKeyMaterialId is then unset: a material expired or was deleted), so that re-importing what is
   * missing makes it current again. Only materials of the key may be imported again.
   */
  importedKeyMaterialId?: string;
  /** EXTERNAL symmetric keys: imported material waiting for RotateKeyOnDemand to become current. */
  pendingKeyMaterialId?: string;
  /** When that material expires (epoch ms), if it does. */
  pendingValidTo?: number;
  /** The deletion date for which the one-day warning was sent (the deletion job sends it once). */
  deletionWarningSentFor?: number;
  /** Bumped by every write; writes are conditional on the revision they read (optimistic locking). */
  revision: number;
}

export interface AliasRecord {
  account: string;
  region: string;
  aliasName: string;
  targetKeyId: string;
  creationDate: number;
  lastUpdatedDate: number;
}

/** A backing key, wrapped under the root key. The plaintext never reaches the store. */
export interface WrappedMaterial {
  keyId: string;
  keyMaterialId: string;
  /** iv | ciphertext | tag of AES-256-GCM under the root key. */
  wrapped: Buffer;
  /** Which root key wrapped it (room for root-key rotation). */
  rootKeyId: string;
  createdAt: number;
  /** Set on material made by a rotation (ListKeyRotations); the key's first material has neither. */
  rotationDate?: number;
  rotationType?: RotationType;
  /** Imported (EXTERNAL origin) material. */
  imported?: boolean;
  keyMaterialDescription?: string;
  /**
   * Imported material that expired or was deleted: its record stays (ListKeyRotations shows it, and only
   * it may be imported again) without the wrapped bytes (`wrapped` is then empty).
   */
  importState?: 'IMPORTED' | 'PENDING_IMPORT';
  /** Imported material: how this material expires, and when (epoch ms). */
  expirationModel?: ExpirationModel;
  validTo?: number;
  /** Imported material waiting for RotateKeyOnDemand (not yet permanently associated with the key). */
  pendingRotation?: boolean;
}
