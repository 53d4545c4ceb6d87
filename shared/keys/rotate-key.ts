/**
 * One rotation, as the API (RotateKeyOnDemand), the rotation job and EventBridge rotation requests all
 * do it: new material, the key pointing at it, the `KMS CMK Rotation` event and the `RotateKey` audit
 * record, in one transaction conditional on the key's revision. A racing writer makes it fail with
 * ConditionFailedError and nothing is written (no orphan material, no event).
 */
import { serviceEventRecord } from '../audit/service-events.js';
import type { MaterialVault } from '../core/material-vault.js';
import { asRotation, rotate } from '../core/rotation.js';
import type { KeyRecord, RotationType } from '../core/types.js';
import { rotationEvent } from '../events/kms-events.js';
import type { KeyStore } from '../store/ports.js';
import type { OutboxEntry } from '../core/sinks.js';
import { outboxAudit, outboxEvent } from '../store/outbox.js';
import { KMSInvalidStateException } from '../errors.js';

export interface RotationDeps {
  store: KeyStore;
  vault: MaterialVault;
  eventSource: string;
}

export async function commitRotation(
  deps: RotationDeps,
  key: KeyRecord,
  rotationType: RotationType,
  now: Date,
  idempotencyKey?: string,
): Promise<{ key: KeyRecord; outbox: OutboxEntry[] }> {
  const material = asRotation(await deps.vault.create(key.keyId, now.getTime()), rotationType, now);
  const next = rotate(key, material, rotationType, now);
  const outbox = rotationRecords(next, rotationType, key.currentKeyMaterialId, material.keyMaterialId, now, deps.eventSource);
  await deps.store.commitKey(next, { putMaterials: [material], outbox, idempotencyKey });
  return { key: next, outbox };
}

/**
 * The on-demand rotation of an imported symmetric key: its material pending rotation becomes current
 * (the earlier ones decrypt only), with the same event and audit record as any rotation, in one
 * transaction conditional on the key's revision. KMSInvalidStateException if the pending material's
 * import was undone meanwhile.
 */
export async function commitImportedRotation(deps: RotationDeps, key: KeyRecord, now: Date): Promise<{ key: KeyRecord; outbox: OutboxEntry[] }> {
  const pending = await deps.store.getMaterial(key.keyId, key.pendingKeyMaterialId!);
  if (!pending) throw new KMSInvalidStateException(`No available key material pending rotation for the key: ${key.arn}.`);
  const { pendingRotation: _p, ...rest } = pending;
  const material = asRotation(rest, 'ON_DEMAND', now);
  const { pendingKeyMaterialId: _k, pendingValidTo: _v, ...unpending } = rotate(key, material, 'ON_DEMAND', now);
  const next: KeyRecord = { ...unpending, importedKeyMaterialId: material.keyMaterialId };
  if (material.expirationModel !== undefined) next.expirationModel = material.expirationModel;
  // Now permanently associated, its expiry counts for the key's ValidTo.
  const validTo = Math.min(key.validTo ?? Infinity, material.validTo ?? Infinity);
  if (validTo !== Infinity) next.validTo = validTo;
  const outbox = rotationRecords(next, 'ON_DEMAND', key.currentKeyMaterialId, material.keyMaterialId, now, deps.eventSource);
  await deps.store.commitKey(next, { replaceMaterials: [material], outbox });
  return { key: next, outbox };
}

/** The `KMS CMK Rotation` event and the `RotateKey` audit record of a rotation. */
function rotationRecords(
  next: KeyRecord,
  rotationType: RotationType,
  previousKeyMaterialId: string | undefined,
  currentKeyMaterialId: string,
  now: Date,
  eventSource: string,
): OutboxEntry[] {
  return [
    outboxEvent(rotationEvent(next, { rotationType, previousKeyMaterialId, currentKeyMaterialId }, now, eventSource)),
    outboxAudit(
      serviceEventRecord('RotateKey', next, now, {
        serviceEventDetails: { keyId: next.arn, rotationType, previousKeyMaterialId, currentKeyMaterialId },
        idParts: [next.keyId, currentKeyMaterialId],
      }),
    ),
  ];
}
