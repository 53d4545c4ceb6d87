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
  const previousKeyMaterialId = key.currentKeyMaterialId;
  const outbox = [
    outboxEvent(
      rotationEvent(next, { rotationType, previousKeyMaterialId, currentKeyMaterialId: material.keyMaterialId }, now, deps.eventSource),
    ),
    outboxAudit(
      serviceEventRecord('RotateKey', next, now, {
        serviceEventDetails: { keyId: next.arn, rotationType, previousKeyMaterialId, currentKeyMaterialId: material.keyMaterialId },
        idParts: [key.keyId, material.keyMaterialId],
      }),
    ),
  ];
  await deps.store.commitKey(next, { putMaterials: [material], outbox, idempotencyKey });
  return { key: next, outbox };
}
