/**
 * AWS's key-state table (https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html,
 * KMS-REFERENCE §3) as one data structure, and the pure state transitions. The resolver checks every
 * operation against this table before the operation touches a key.
 */
import { DisabledException, KMSInvalidStateException, type KmsError } from '../errors.js';
import type { KeyRecord, KeyState } from './types.js';

/** What happens to an operation in a state: allowed, or the error AWS gives. */
type Effect = 'ok' | 'D' | 'PD' | 'PI' | 'UA' | 'CR' | 'UP' | 'NPD';
type Row = Record<KeyState, Effect>;

const row = (effects: Partial<Row>, otherwise: Effect = 'ok'): Row => ({
  Creating: otherwise,
  Enabled: otherwise,
  Disabled: otherwise,
  PendingDeletion: otherwise,
  PendingImport: otherwise,
  PendingReplicaDeletion: otherwise,
  Unavailable: otherwise,
  Updating: otherwise,
  ...effects,
});

const cryptographic = row({ Disabled: 'D', PendingDeletion: 'PD', PendingReplicaDeletion: 'PD', PendingImport: 'PI', Unavailable: 'UA', Creating: 'CR' });
const anyState = row({});
const notPendingDeletion = row({ PendingDeletion: 'PD', PendingReplicaDeletion: 'PD' });

export const keyStateTable = {
  Encrypt: cryptographic,
  Decrypt: cryptographic,
  ReEncrypt: cryptographic,
  GenerateDataKey: cryptographic,
  GenerateDataKeyWithoutPlaintext: cryptographic,
  GenerateDataKeyPair: cryptographic,
  GenerateDataKeyPairWithoutPlaintext: cryptographic,
  Sign: cryptographic,
  Verify: cryptographic,
  GenerateMac: cryptographic,
  VerifyMac: cryptographic,
  GetPublicKey: cryptographic,
  DeriveSharedSecret: cryptographic,
  DescribeKey: anyState,
  GetKeyLastUsage: anyState,
  ListResourceTags: anyState,
  ListAliases: anyState,
  DeleteAlias: anyState,
  CreateAlias: notPendingDeletion,
  /** UpdateAlias checks the key the alias is moved to; moving away from a PD key is allowed. */
  UpdateAlias: notPendingDeletion,
  TagResource: notPendingDeletion,
  UntagResource: notPendingDeletion,
  UpdateKeyDescription: notPendingDeletion,
  EnableKey: row({ PendingDeletion: 'PD', PendingReplicaDeletion: 'PD', PendingImport: 'PI', Creating: 'CR', Updating: 'UP' }),
  DisableKey: row({ PendingDeletion: 'PD', PendingReplicaDeletion: 'PD', PendingImport: 'PI', Creating: 'CR', Updating: 'UP' }),
  ScheduleKeyDeletion: row({ PendingDeletion: 'PD', PendingReplicaDeletion: 'PD', Updating: 'UP' }),
  CancelKeyDeletion: row({ PendingDeletion: 'ok', PendingReplicaDeletion: 'ok' }, 'NPD'),
  GetKeyPolicy: anyState,
  PutKeyPolicy: anyState,
  ListKeyPolicies: anyState,
  CreateGrant: row({ Disabled: 'D', PendingDeletion: 'PD', PendingReplicaDeletion: 'PD', PendingImport: 'PI', Creating: 'CR' }),
  ListGrants: anyState,
  RetireGrant: anyState,
  RevokeGrant: anyState,
  /** The operations also refuse keys that cannot rotate (UnsupportedOperationException), before this table. */
  EnableKeyRotation: row({ Disabled: 'D', PendingDeletion: 'PD', PendingReplicaDeletion: 'PD', PendingImport: 'PI', Unavailable: 'UA', Creating: 'CR' }),
  DisableKeyRotation: row({ Disabled: 'D', PendingDeletion: 'PD', PendingReplicaDeletion: 'PD', PendingImport: 'PI', Unavailable: 'UA', Creating: 'CR' }),
  GetKeyRotationStatus: anyState,
  RotateKeyOnDemand: row({ Disabled: 'D', PendingDeletion: 'PD', PendingReplicaDeletion: 'PD', PendingImport: 'PI', Unavailable: 'UA', Creating: 'CR' }),
  ListKeyRotations: anyState,
  GetParametersForImport: row({ PendingDeletion: 'PD', PendingReplicaDeletion: 'PD', Creating: 'CR', Updating: 'UP' }),
  ImportKeyMaterial: row({ PendingDeletion: 'PD', PendingReplicaDeletion: 'PD', Creating: 'CR' }),
  /** On the primary (KMS-REFERENCE §3); UpdatePrimaryRegion also checks the replica it promotes. */
  ReplicateKey: row({ Disabled: 'D', PendingDeletion: 'PD', PendingReplicaDeletion: 'PD', PendingImport: 'PI', Creating: 'CR', Updating: 'UP' }),
  UpdatePrimaryRegion: row({ Disabled: 'D', PendingDeletion: 'PD', PendingReplicaDeletion: 'PD', PendingImport: 'PI', Creating: 'CR' }),
  /** A key pending deletion may lose its material and stays PendingDeletion. */
  DeleteImportedKeyMaterial: row({ Creating: 'CR', Updating: 'UP' }),
} satisfies Record<string, Row>;

export type StateCheckedOperation = keyof typeof keyStateTable;

const messages: Record<Exclude<Effect, 'ok'>, (arn: string) => KmsError> = {
  D: (arn) => new DisabledException(`${arn} is disabled.`),
  PD: (arn) => new KMSInvalidStateException(`${arn} is pending deletion.`),
  PI: (arn) => new KMSInvalidStateException(`${arn} is pending import.`),
  UA: (arn) => new KMSInvalidStateException(`${arn} is unavailable.`),
  CR: (arn) => new KMSInvalidStateException(`${arn} is creating.`),
  UP: (arn) => new KMSInvalidStateException(`${arn} is updating.`),
  NPD: (arn) => new KMSInvalidStateException(`${arn} is not pending deletion.`),
};

/** Throws the AWS error if `operation` is not allowed in the key's state. */
export function checkKeyState(key: KeyRecord, operation: StateCheckedOperation): void {
  const effect = keyStateTable[operation][key.keyState];
  if (effect !== 'ok') throw messages[effect](key.arn);
}

const DAY_MS = 86_400_000;

/** Pure transitions: each returns the next record (revision bumped) for a conditional write. */
export function enable(key: KeyRecord): KeyRecord {
  return { ...key, keyState: 'Enabled', revision: key.revision + 1 };
}

export function disable(key: KeyRecord): KeyRecord {
  return { ...key, keyState: 'Disabled', revision: key.revision + 1 };
}

export function scheduleDeletion(key: KeyRecord, pendingWindowInDays: number, now: Date): KeyRecord {
  return {
    ...key,
    keyState: 'PendingDeletion',
    deletionDate: now.getTime() + pendingWindowInDays * DAY_MS,
    pendingWindowInDays,
    revision: key.revision + 1,
  };
}

/**
 * A multi-region primary whose replicas still exist: PendingReplicaDeletion, with the window kept for later;
 * `deletionDate` is when the deletion job starts checking for the replicas (from now on).
 */
export function scheduleReplicaDeletion(key: KeyRecord, pendingWindowInDays: number, now: Date): KeyRecord {
  return { ...key, keyState: 'PendingReplicaDeletion', deletionDate: now.getTime(), pendingWindowInDays, revision: key.revision + 1 };
}

/** The last replica is gone: the primary's own waiting period starts now. */
export function startPrimaryDeletion(key: KeyRecord, now: Date): KeyRecord {
  return scheduleDeletion(key, key.pendingWindowInDays ?? 30, now);
}

/**
 * AWS leaves a key Disabled after its deletion is cancelled (KMS-REFERENCE §10); an imported key whose
 * material expired or was deleted meanwhile has nothing to be enabled with, so it is PendingImport.
 */
export function cancelDeletion(key: KeyRecord): KeyRecord {
  const { deletionDate: _d, pendingWindowInDays: _p, deletionWarningSentFor: _w, ...rest } = key;
  const withoutMaterial = key.origin === 'EXTERNAL' && key.currentKeyMaterialId === undefined;
  return { ...rest, keyState: withoutMaterial ? 'PendingImport' : 'Disabled', revision: key.revision + 1 };
}
