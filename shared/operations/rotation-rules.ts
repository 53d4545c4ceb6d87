/** The refusals the rotation operations share (KMS-REFERENCE §3 and §8). */
import { isReplica } from '../core/multi-region.js';
import { supportsAutomaticRotation } from '../core/rotation.js';
import type { KeyRecord } from '../core/types.js';
import { UnsupportedOperationException } from '../protocol/errors.js';

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
