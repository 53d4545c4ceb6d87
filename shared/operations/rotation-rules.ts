/** The refusals the rotation operations share (KMS-REFERENCE §3 and §8). */
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
