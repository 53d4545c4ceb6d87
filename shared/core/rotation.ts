/**
 * Key rotation rules (KMS-REFERENCE §8) as pure functions: which keys can rotate, the automatic
 * schedule, and the rotation step itself (a new material becomes current; every earlier one stays for
 * Decrypt, nothing is re-encrypted). Operations and the rotation job persist what these return with a
 * conditional write.
 */
import type { KeyRecord, RotationType, WrappedMaterial } from './types.js';

export const DEFAULT_ROTATION_PERIOD_DAYS = 365;
export const MIN_ROTATION_PERIOD_DAYS = 90;
export const MAX_ROTATION_PERIOD_DAYS = 2560;
/** On-demand rotations allowed per key (25 in the current docs and model; it was 10 until 2026-02). */
export const ON_DEMAND_ROTATION_LIMIT = 25;
/** RotateKeyOnDemand is refused (ConflictException) this close to an automatic rotation. */
export const AUTOMATIC_ROTATION_CONFLICT_MS = 20 * 60_000;

const DAY_MS = 86_400_000;

/** Automatic rotation exists only for symmetric encryption keys with key material made by KMS. */
export function supportsAutomaticRotation(key: KeyRecord): boolean {
  return key.keySpec === 'SYMMETRIC_DEFAULT' && key.keyUsage === 'ENCRYPT_DECRYPT' && key.origin === 'AWS_KMS';
}

/**
 * Enables rotation every `periodDays`. A first enable schedules the rotation a period from now; a
 * change of period on a key that rotates already keeps the start of the current cycle, so the next
 * rotation is one new period after the last rotation (or after the enable), possibly due at once.
 */
export function enableRotation(key: KeyRecord, periodDays: number, now: Date): KeyRecord {
  const cycleStart =
    key.rotationEnabled && key.nextRotationDate !== undefined && key.rotationPeriodInDays !== undefined
      ? key.nextRotationDate - key.rotationPeriodInDays * DAY_MS
      : now.getTime();
  return {
    ...key,
    rotationEnabled: true,
    rotationPeriodInDays: periodDays,
    nextRotationDate: cycleStart + periodDays * DAY_MS,
    revision: key.revision + 1,
  };
}

export function disableRotation(key: KeyRecord): KeyRecord {
  const { rotationPeriodInDays: _p, nextRotationDate: _n, ...rest } = key;
  return { ...rest, rotationEnabled: false, revision: key.revision + 1 };
}

/**
 * The key after a rotation to `material`. An automatic rotation moves the schedule on by whole periods
 * from the due date (one rotation per due date, even when the job ran late or the key was disabled for
 * several periods); an on-demand rotation leaves the schedule alone and counts against the limit.
 */
export function rotate(key: KeyRecord, material: WrappedMaterial, rotationType: RotationType, now: Date): KeyRecord {
  const next: KeyRecord = { ...key, currentKeyMaterialId: material.keyMaterialId, revision: key.revision + 1 };
  if (rotationType === 'ON_DEMAND') {
    next.onDemandRotationCount = (key.onDemandRotationCount ?? 0) + 1;
  } else if (key.nextRotationDate !== undefined && key.rotationPeriodInDays !== undefined) {
    const period = key.rotationPeriodInDays * DAY_MS;
    let due = key.nextRotationDate + period;
    if (due <= now.getTime()) due += Math.ceil((now.getTime() - due + 1) / period) * period;
    next.nextRotationDate = due;
  }
  return next;
}

/** The new material's rotation facts, for ListKeyRotations. */
export function asRotation(material: WrappedMaterial, rotationType: RotationType, now: Date): WrappedMaterial {
  return { ...material, rotationDate: now.getTime(), rotationType };
}
