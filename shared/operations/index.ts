/** Maps `TrentService.<Operation>` to its implementation (one file per operation). */
import { cancelKeyDeletion } from './cancel-key-deletion.js';
import type { OperationContext } from '../context/operation-context.js';
import { createAlias } from './create-alias.js';
import { createKey } from './create-key.js';
import { decrypt } from './decrypt.js';
import { deleteAlias } from './delete-alias.js';
import { describeKey } from './describe-key.js';
import { disableKey } from './disable-key.js';
import { enableKey } from './enable-key.js';
import { encrypt } from './encrypt.js';
import { generateDataKey, generateDataKeyWithoutPlaintext } from './generate-data-key.js';
import { generateRandom } from './generate-random.js';
import { grantOperations } from './grants/index.js';
import { getKeyPolicy } from './get-key-policy.js';
import { listKeyPolicies } from './list-key-policies.js';
import { putKeyPolicy } from './put-key-policy.js';
import { listAliases } from './list-aliases.js';
import { listKeys } from './list-keys.js';
import { listResourceTags } from './list-resource-tags.js';
import { reEncrypt } from './re-encrypt.js';
import { scheduleKeyDeletion } from './schedule-key-deletion.js';
import { tagResource } from './tag-resource.js';
import { untagResource } from './untag-resource.js';
import { updateAlias } from './update-alias.js';
import { updateKeyDescription } from './update-key-description.js';
import { enableKeyRotation } from './enable-key-rotation.js';
import { disableKeyRotation } from './disable-key-rotation.js';
import { getKeyRotationStatus } from './get-key-rotation-status.js';
import { getKeyLastUsage } from './get-key-last-usage.js';
import { rotateKeyOnDemand } from './rotate-key-on-demand.js';
import { listKeyRotations } from './list-key-rotations.js';
import { getParametersForImport } from './get-parameters-for-import.js';
import { importKeyMaterial } from './import-key-material.js';
import { deleteImportedKeyMaterial } from './delete-imported-key-material.js';
import { sign } from './sign.js';
import { verify } from './verify.js';
import { getPublicKey } from './get-public-key.js';
import { generateMac } from './generate-mac.js';
import { verifyMac } from './verify-mac.js';
import { deriveSharedSecret } from './derive-shared-secret.js';
import { generateDataKeyPair, generateDataKeyPairWithoutPlaintext } from './generate-data-key-pair.js';
import { replicateKey } from './replicate-key.js';
import { updatePrimaryRegion } from './update-primary-region.js';
import type { OperationTable } from '../model/operation-table.js';

/**
 * The operations this service implements, by their name in AWS's model: a name that is not a model
 * operation does not compile (shared/model/names.ts, generated from the model).
 */
export const operations = {
  CancelKeyDeletion: cancelKeyDeletion,
  CreateAlias: createAlias,
  CreateKey: createKey,
  ReplicateKey: replicateKey,
  UpdatePrimaryRegion: updatePrimaryRegion,
  Decrypt: decrypt,
  DeleteAlias: deleteAlias,
  DescribeKey: describeKey,
  DisableKey: disableKey,
  EnableKey: enableKey,
  Encrypt: encrypt,
  GenerateDataKey: generateDataKey,
  GenerateDataKeyWithoutPlaintext: generateDataKeyWithoutPlaintext,
  GenerateRandom: generateRandom,
  GetKeyPolicy: getKeyPolicy,
  ListAliases: listAliases,
  ListKeyPolicies: listKeyPolicies,
  ListKeys: listKeys,
  PutKeyPolicy: putKeyPolicy,
  ListResourceTags: listResourceTags,
  ReEncrypt: reEncrypt,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateAlias: updateAlias,
  UpdateKeyDescription: updateKeyDescription,
  EnableKeyRotation: enableKeyRotation,
  DisableKeyRotation: disableKeyRotation,
  GetKeyRotationStatus: getKeyRotationStatus,
  GetKeyLastUsage: getKeyLastUsage,
  RotateKeyOnDemand: rotateKeyOnDemand,
  ListKeyRotations: listKeyRotations,
  GetParametersForImport: getParametersForImport,
  ImportKeyMaterial: importKeyMaterial,
  DeleteImportedKeyMaterial: deleteImportedKeyMaterial,
  Sign: sign,
  Verify: verify,
  GetPublicKey: getPublicKey,
  GenerateMac: generateMac,
  VerifyMac: verifyMac,
  DeriveSharedSecret: deriveSharedSecret,
  GenerateDataKeyPair: generateDataKeyPair,
  GenerateDataKeyPairWithoutPlaintext: generateDataKeyPairWithoutPlaintext,
  ...grantOperations,
} satisfies OperationTable<OperationContext>;
