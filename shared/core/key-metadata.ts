/** KeyMetadata as AWS returns it for the keys this service makes (KMS-REFERENCE §5). */
import { algorithmLists } from './key-specs.js';
import type { KeyRecord } from './types.js';

/** DescribeKey's MultiRegionConfiguration (the replica list comes from the store: operations/multi-region.ts). */
export interface MultiRegionConfiguration {
  MultiRegionKeyType: 'PRIMARY' | 'REPLICA';
  PrimaryKey: { Arn: string; Region: string };
  ReplicaKeys: { Arn: string; Region: string }[];
}

export function keyMetadata(key: KeyRecord, multiRegionConfiguration?: MultiRegionConfiguration) {
  const symmetric = key.keySpec === 'SYMMETRIC_DEFAULT';
  // The one algorithm list that fits the key's spec and usage (EncryptionAlgorithms, SigningAlgorithms, ...).
  const algorithms = algorithmLists(key.keySpec, key.keyUsage);
  return {
    AWSAccountId: key.account,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: new Date(key.creationDate),
    Enabled: key.keyState === 'Enabled',
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.keyState,
    DeletionDate: key.keyState === 'PendingDeletion' && key.deletionDate !== undefined ? new Date(key.deletionDate) : undefined,
    Origin: key.origin,
    KeyManager: key.keyManager,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    EncryptionAlgorithms: algorithms.EncryptionAlgorithms,
    SigningAlgorithms: algorithms.SigningAlgorithms,
    KeyAgreementAlgorithms: algorithms.KeyAgreementAlgorithms,
    MultiRegion: key.multiRegion,
    MultiRegionConfiguration: key.multiRegion ? multiRegionConfiguration : undefined,
    // A primary waiting for its replicas' deletion has a window but no date yet (KMS-REFERENCE §7).
    PendingDeletionWindowInDays: key.keyState === 'PendingReplicaDeletion' ? key.pendingWindowInDays : undefined,
    MacAlgorithms: algorithms.MacAlgorithms,
    // An imported key whose material was deleted (or expired) still names it, as AWS does [obs].
    CurrentKeyMaterialId: symmetric ? (key.currentKeyMaterialId ?? key.importedKeyMaterialId) : undefined,
    // Imported material (KMS-REFERENCE §9): how and when the current material expires, while the key has
    // it; AWS shows neither on an EXTERNAL key waiting for its material (PendingImport).
    ExpirationModel: key.origin === 'EXTERNAL' && key.currentKeyMaterialId !== undefined ? key.expirationModel : undefined,
    ValidTo:
      // The earliest expiry of the materials permanently associated with the key (AWS).
      key.origin === 'EXTERNAL' && key.currentKeyMaterialId !== undefined && key.validTo !== undefined
        ? new Date(key.validTo)
        : undefined,
  };
}
