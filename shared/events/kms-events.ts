/**
 * The EventBridge events AWS KMS sends (KMS-REFERENCE §11), in AWS's envelope. Pure builders: a job gives
 * a deterministic id (from what happened, not when the job ran), so a re-run that redoes the same step
 * writes the same event and a consumer can tell a repeat from a new event.
 */
import { createHash } from 'node:crypto';
import type { KeyRecord, RotationType } from '../core/types.js';
import type { KmsEvent } from '../core/sinks.js';

/** AWS's source. EventBridge refuses `aws.*` sources from PutEvents, so deployments set their own. */
export const AWS_KMS_EVENT_SOURCE = 'aws.kms';

/** A UUID-shaped id derived from its parts (stable across re-runs of the same step). */
export function deterministicId(...parts: (string | number)[]): string {
  const hex = createHash('sha256').update(parts.join('|')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function envelope(detailType: string, key: KeyRecord, id: string, time: Date, source: string, detail: Record<string, unknown>): KmsEvent {
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source,
    account: key.account,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: key.region,
    resources: [key.arn],
    detail,
  };
}

export function rotationEvent(
  key: KeyRecord,
  rotation: { rotationType: RotationType; previousKeyMaterialId?: string; currentKeyMaterialId: string },
  time: Date,
  source = AWS_KMS_EVENT_SOURCE,
): KmsEvent {
  return envelope('KMS CMK Rotation', key, deterministicId('rotation', key.keyId, rotation.currentKeyMaterialId), time, source, {
    'key-id': key.keyId,
    'key-origin': key.origin,
    'rotation-type': rotation.rotationType,
    'previous-key-material-id': rotation.previousKeyMaterialId,
    'current-key-material-id': rotation.currentKeyMaterialId,
  });
}

export function deletionEvent(key: KeyRecord, time: Date, source = AWS_KMS_EVENT_SOURCE): KmsEvent {
  return envelope('KMS CMK Deletion', key, deterministicId('deletion', key.keyId), time, source, { 'key-id': key.keyId });
}

export function expirationEvent(key: KeyRecord, keyMaterialId: string, time: Date, source = AWS_KMS_EVENT_SOURCE): KmsEvent {
  return envelope(
    'KMS Imported Key Material Expiration',
    key,
    deterministicId('expiration', key.keyId, keyMaterialId, key.validTo ?? 0),
    time,
    source,
    { 'key-id': key.keyId, 'key-material-id': keyMaterialId },
  );
}
