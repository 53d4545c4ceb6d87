/** The refusals the rotation operations share (KMS-REFERENCE §3 and §8). */
import { isReplica } from '../core/multi-region.js';
import { AUTOMATIC_ROTATION_CONFLICT_MS, ON_DEMAND_ROTATION_LIMIT, supportsAutomaticRotation } from '../core/rotation.js';
import type { KeyRecord } from '../core/types.js';
import { ConflictException, KMSInvalidStateException, LimitExceededException, UnsupportedOperationException } from '../errors.js';

/**
 * UnsupportedOperationException for keys that cannot rotate automatically: imported material gets
 * AWS's origin message (UX); asymmetric and HMAC keys get no message, as AWS answers RotateKeyOnDemand.
 */
export function requireRotatableKey(key: KeyRecord): void {
  if (supportsAutomaticRotation(key)) return;
  if (key.origin !== 'AWS_KMS') throw new UnsupportedOperationException(`${key.arn} origin is ${key.origin} which is not valid for this operation.`);
  throw new UnsupportedOperationException();
}

/**
 * Rotation of a multi-region key is a shared property, set and performed on the primary only
 * (KMS-REFERENCE §7); a replica refuses with the message AWS gives ReplicateKey on a replica.
 */
export function requirePrimaryForRotation(key: KeyRecord): void {
  if (isReplica(key)) throw new UnsupportedOperationException(`${key.arn} is not a multi-region primary key.`);
}

/** AWS's refusals, in the order the reference gives them (KMS-REFERENCE §8). */
export function checkOnDemandRotation(key: KeyRecord, now: Date): void {
  if (key.origin === 'EXTERNAL' && key.keySpec === 'SYMMETRIC_DEFAULT') {
    // An imported symmetric key rotates to the material imported for it (NEW_KEY_MATERIAL) [obs message].
    if (key.pendingKeyMaterialId === undefined) {
      throw new KMSInvalidStateException(`No available key material pending rotation for the key: ${key.arn}.`);
    }
  } else {
    requireRotatableKey(key);
  }
  requirePrimaryForRotation(key);
  if ((key.onDemandRotationCount ?? 0) >= ON_DEMAND_ROTATION_LIMIT) {
    throw new LimitExceededException(
      `The on-demand rotations limit has been reached for the given keyId. No more on-demand rotations can be performed for this key: ${key.arn}`,
    );
  }
  if (key.rotationEnabled && key.nextRotationDate !== undefined && key.nextRotationDate - now.getTime() <= AUTOMATIC_ROTATION_CONFLICT_MS) {
    throw new ConflictException(`An automatic rotation of ${key.arn} is in progress or due within 20 minutes. Try again later.`);
  }
}
