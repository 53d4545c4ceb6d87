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
  /** The material new ciphertexts are made with; absent while a key has none (PendingImport). */
  currentKeyMaterialId?: string;
  /** Set only while PendingDeletion. */
  deletionDate?: number;
  pendingWindowInDays?: number;
  tags: Record<string, string>;
  /** The key policy document, exactly as set (GetKeyPolicy returns it byte for byte). */
  policy: string;
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
}
