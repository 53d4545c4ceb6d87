/**
 * ImportKeyMaterial: https://docs.aws.amazon.com/kms/latest/APIReference/API_ImportKeyMaterial.html
 * (KMS-REFERENCE §9). The token names the key and holds the wrapping private key (core/import-token.ts);
 * the material id is derived from the key id and the material, so re-importing the same bytes after
 * expiry or deletion restores the same material id and old ciphertexts decrypt again.
 */
import { openImportToken, unwrapKeyMaterial } from '../core/import-token.js';
import { importedMaterial } from '../core/key-pairs.js';
import { keySpecs } from '../core/key-specs.js';
import type { ExpirationModel, KeyRecord, WrappedMaterial } from '../core/types.js';
import { retryOnConflict } from '../keys/conflict-retry.js';
import {
  IncorrectKeyMaterialException,
  KMSInvalidStateException,
  UnsupportedOperationException,
  ValidationException,
} from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { checkExternalOrigin } from './get-parameters-for-import.js';
import { resolveKey } from '../keys/resolve-key.js';
import { isReplica } from '../core/multi-region.js';
import { isImported, lacksMaterial, withExpiries } from '../core/imported-material.js';

export interface ImportKeyMaterialRequest {
  KeyId: string;
  ImportToken: Buffer;
  EncryptedKeyMaterial: Buffer;
  ValidTo?: Date;
  ExpirationModel?: ExpirationModel;
  ImportType?: 'NEW_KEY_MATERIAL' | 'EXISTING_KEY_MATERIAL';
  KeyMaterialDescription?: string;
  KeyMaterialId?: string;
}

const DAY_MS = 86_400_000;
/** AWS: ValidTo at most 365 days from the request date. */
const MAX_VALID_TO_MS = 365 * DAY_MS;
/** What ImportKeyMaterial takes per key family (KMS-REFERENCE §9), for the refusal's message. */
const MATERIAL_FORMATS: Record<string, string> = {
  symmetric: '256 bits (32 bytes)',
  hmac: 'raw bytes of the HMAC key spec\'s size (28, 32, 48 or 64 bytes for HMAC_224 to HMAC_512)',
  'ml-dsa': 'the 32-byte seed',
  rsa: 'a DER PKCS#8 RSA private key of the key spec\'s size',
  ecc: 'a DER PKCS#8 EC private key on the key spec\'s curve',
  ed25519: 'a DER PKCS#8 Ed25519 private key',
};

const incorrectMaterial = () =>
  new IncorrectKeyMaterialException('The key material does not match the key material previously imported into this KMS key.');

/** ExpirationModel and ValidTo rules; the first message is AWS's [obs], the others are our wording. */
export function checkExpiration(model: ExpirationModel, validTo: Date | undefined, now: Date): number | undefined {
  if (model === 'KEY_MATERIAL_DOES_NOT_EXPIRE') {
    if (validTo !== undefined) {
      throw new ValidationException('A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE');
    }
    return undefined;
  }
  if (validTo === undefined) throw new ValidationException('A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES');
  const at = validTo.getTime();
  if (!Number.isFinite(at) || at <= now.getTime()) throw new ValidationException('The validTo date must be in the future.');
  if (at > now.getTime() + MAX_VALID_TO_MS) {
    throw new ValidationException('The validTo date must be no more than 365 days in the future.');
  }
  return at;
}

export async function importKeyMaterial(input: ImportKeyMaterialRequest, ctx: OperationContext) {
  const model: ExpirationModel = input.ExpirationModel ?? 'KEY_MATERIAL_EXPIRES';
  const validTo = checkExpiration(model, input.ValidTo, ctx.clock.now());
  const conditions = {
    extra: {
      'kms:expirationmodel': model,
      // kms:ValidTo is a numeric condition key (epoch seconds); absent for material that does not expire.
      ...(validTo !== undefined ? { 'kms:validto': Math.floor(validTo / 1000) } : {}),
    },
  };

  let material: { keyMaterialId: string; bytes: Buffer } | undefined;
  return retryOnConflict(async () => {
    const key = await resolveKey(ctx, input.KeyId, 'ImportKeyMaterial', { allowAlias: false, conditions });
    checkExternalOrigin(key);
    // Only symmetric keys hold several materials; AWS rejects ImportType for the others [doc] (wording ours).
    if (key.keySpec !== 'SYMMETRIC_DEFAULT' && input.ImportType !== undefined) {
      throw new ValidationException(`ImportType is not supported for ${key.keySpec} keys: they hold exactly one key material.`);
    }
    // Token and unwrap once; a retry after a lost race only re-reads the key.
    material ??= await unwrap(ctx, key, input);
    const plan = await planImport(ctx, key, input, material.keyMaterialId);
    const now = ctx.clock.now().getTime();
    const record: WrappedMaterial = {
      ...(plan.record ?? {}),
      ...(await ctx.vault.wrap(key.keyId, material.keyMaterialId, material.bytes, plan.record?.createdAt ?? now)),
      imported: true,
      importState: 'IMPORTED',
      expirationModel: model,
    };
    if (validTo !== undefined) record.validTo = validTo;
    else delete record.validTo;
    if (input.KeyMaterialDescription !== undefined) record.keyMaterialDescription = input.KeyMaterialDescription;
    if (plan.kind === 'pending') record.pendingRotation = true;
    const materials = [...plan.materials.filter((m) => m.keyMaterialId !== record.keyMaterialId && m.keyMaterialId !== plan.replacesPending), record];

    const next: KeyRecord = { ...key, revision: key.revision + 1 };
    if (plan.kind === 'pending') {
      next.pendingKeyMaterialId = record.keyMaterialId;
    } else if (!lacksMaterial(materials)) {
      // Everything the key needs is imported: its current material is usable again (or for the first time).
      // PendingImport becomes Enabled; a Disabled key stays Disabled (AWS re-imports into a disabled key
      // without enabling it), and a PendingDeletion key was refused by the state table.
      const current = key.importedKeyMaterialId ?? record.keyMaterialId;
      next.currentKeyMaterialId = current;
      next.importedKeyMaterialId = current;
      next.keyState = key.keyState === 'PendingImport' ? 'Enabled' : key.keyState;
      next.expirationModel = materials.find((m) => m.keyMaterialId === current)?.expirationModel ?? model;
    }
    await ctx.store.commitKey(withExpiries(next, materials), {
      ...(plan.record ? { replaceMaterials: [record] } : { putMaterials: [record] }),
      ...(plan.replacesPending !== undefined ? { deleteMaterials: [plan.replacesPending] } : {}),
    });
    return { KeyId: key.arn, KeyMaterialId: material.keyMaterialId };
  });
}

async function unwrap(ctx: OperationContext, key: KeyRecord, input: ImportKeyMaterialRequest) {
  const parameters = await openImportToken(ctx.vault, input.ImportToken, key.arn, ctx.clock.now().getTime());
  const material = importedMaterial(key.keySpec, unwrapKeyMaterial(parameters, input.EncryptedKeyMaterial));
  // AWS's wording for material that does not fit the key spec is unverified.
  if (!material) throw new ValidationException(`The key material is not valid for a ${key.keySpec} key: ${MATERIAL_FORMATS[keySpecs[key.keySpec]?.family ?? ''] ?? 'see the key spec'}.`);
  return { keyMaterialId: await ctx.vault.importedMaterialId(key.keyId, material), bytes: material };
}

interface ImportPlan {
  /** `current`: a first import or a re-import of one of the key's materials; `pending`: new material for rotation. */
  kind: 'current' | 'pending';
  /** The key's material records before the import. */
  materials: WrappedMaterial[];
  /** The record of the material re-imported, if the key has one. */
  record?: WrappedMaterial;
  /** A material pending rotation whose import was undone, replaced by the new one. */
  replacesPending?: string;
}

/**
 * What an import does (KMS-REFERENCE §8-9). NEW_KEY_MATERIAL (the default for a key that never had
 * material) is the key's first material, or, for a symmetric key that has some, new material pending
 * rotation (one at a time). EXISTING_KEY_MATERIAL (the default afterwards) must be one of the key's
 * materials: the id KMS derives from key and material tells (IncorrectKeyMaterialException otherwise).
 */
async function planImport(ctx: OperationContext, key: KeyRecord, input: ImportKeyMaterialRequest, keyMaterialId: string): Promise<ImportPlan> {
  const materials = await ctx.store.listMaterials(key.keyId);
  const record = materials.find((m) => m.keyMaterialId === keyMaterialId);
  // A multi-region replica takes exactly the material of its primary (AWS: the same bytes in every region).
  const primary = isReplica(key) ? await ctx.peers.keyIn(key.primaryRegion!, key.keyId) : undefined;
  const known = key.importedKeyMaterialId ?? key.currentKeyMaterialId ?? primary?.importedKeyMaterialId;
  const associated = known !== undefined || materials.length > 0;
  const importType = input.ImportType ?? (associated ? 'EXISTING_KEY_MATERIAL' : 'NEW_KEY_MATERIAL');
  if (importType === 'NEW_KEY_MATERIAL') {
    // AWS: a KeyMaterialId cannot be given with NEW_KEY_MATERIAL (wording ours).
    if (input.KeyMaterialId !== undefined) {
      throw new ValidationException('A KeyMaterialId cannot be specified when the ImportType is NEW_KEY_MATERIAL');
    }
    if (!associated) return { kind: 'current', materials };
    // A replica takes the new material its primary has pending, whichever ImportType names it.
    if (isReplica(key) && record?.pendingRotation) return { kind: 'pending', materials, record };
    // New material for a multi-region key goes to the primary first; the replicas import the same bytes.
    if (isReplica(key)) throw new UnsupportedOperationException(`${key.arn} is not a multi-region primary key.`);
    // Wording ours: the material is one of the key's already.
    if (record || keyMaterialId === known) {
      throw new IncorrectKeyMaterialException(`Key material ${keyMaterialId} is already associated with ${key.arn}; import it with EXISTING_KEY_MATERIAL.`);
    }
    const pending = key.pendingKeyMaterialId === undefined ? undefined : materials.find((m) => m.keyMaterialId === key.pendingKeyMaterialId);
    if (pending && isImported(pending)) {
      throw new KMSInvalidStateException(
        `New key material (id: ${keyMaterialId}) cannot be imported into KMS key ${key.keyId}, because another key material (id: ${pending.keyMaterialId}) is pending rotation.`,
      );
    }
    return { kind: 'pending', materials, replacesPending: pending?.keyMaterialId };
  }
  // EXISTING_KEY_MATERIAL: one of the key's materials, and the one named if a KeyMaterialId is given.
  if (!record && keyMaterialId !== known) throw incorrectMaterial();
  if (input.KeyMaterialId !== undefined && input.KeyMaterialId !== keyMaterialId) throw incorrectMaterial();
  if (record?.pendingRotation) return { kind: 'pending', materials, record };
  return { kind: 'current', materials, record };
}
