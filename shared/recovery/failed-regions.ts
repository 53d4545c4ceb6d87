/**
 * Recovery decrypts for a failed region (beyond AWS; off unless KMS_RECOVERY_DECRYPT=true).
 *
 * AWS KMS keys are regional: when a region is down, ciphertexts of its single-region keys cannot be
 * decrypted anywhere else. Here every region's replica of the global table holds every region's keys
 * and (wrapped) material, so an operator can declare region F failed in a recovery region R; from then
 * on R decrypts ciphertexts of F's keys that R does not have itself, after checking F's key policy and
 * key state as replicated to R. The declaration and its withdrawal are audit records in R, and each
 * recovery decrypt's record names F's key ARN as its resource (README "Trust model of recovery decrypts").
 */
import { randomUUID } from 'node:crypto';
import { operatorRecord } from '../audit/service-events.js';
import { parseKeyReference, PARTITION } from '../core/ids.js';
import type { KeyRecord } from '../core/types.js';
import type { FailedRegion, JobStore } from '../store/job-store.js';
import { deliverNow, outboxAudit } from '../store/outbox.js';
import type { PeerKeys } from '../store/ports.js';
import type { AuditRecord, Sinks } from '../core/sinks.js';

export interface RecoveryContext {
  region: string;
  jobStore: JobStore;
  peers: PeerKeys;
  sinks: Sinks;
  recoveryDecrypt: boolean;
}

export class RecoveryRefused extends Error {}

/** Declares `failedRegion` failed (or, with `withdraw`, withdraws it), with this region as its recovery region. */
export async function declareRegionFailed(
  ctx: RecoveryContext,
  request: { failedRegion: string; declaredBy: string; reason?: string; now: Date; withdraw?: boolean },
): Promise<FailedRegion> {
  if (!ctx.recoveryDecrypt) throw new RecoveryRefused('Recovery decrypts are off: start the service with KMS_RECOVERY_DECRYPT=true.');
  if (request.failedRegion === ctx.region) throw new RecoveryRefused(`${ctx.region} cannot be its own recovery region.`);
  if (!ctx.peers.regions.includes(request.failedRegion)) {
    throw new RecoveryRefused(`${request.failedRegion} is not a region of the global table (${ctx.peers.regions.join(', ')}).`);
  }
  const declaration: FailedRegion = {
    failedRegion: request.failedRegion,
    declaredAt: request.now.getTime(),
    declaredBy: request.declaredBy,
    ...(request.reason ? { reason: request.reason } : {}),
  };
  const record = outboxAudit(declarationRecord(ctx.region, declaration, request.withdraw === true, request.now));
  await ctx.jobStore.setFailedRegion(declaration, request.withdraw === true, [record]);
  await deliverNow(ctx.jobStore, ctx.sinks, [record]).catch(() => {}); // the outbox keeps it otherwise
  return declaration;
}

/**
 * The key a ciphertext names, from a region declared failed for this one, when this region has no key
 * of that id itself; undefined when recovery is off or no failed region has it.
 */
export async function recoveryKey(ctx: RecoveryContext, keyId: string): Promise<KeyRecord | undefined> {
  if (!ctx.recoveryDecrypt) return undefined;
  for (const { failedRegion } of await ctx.jobStore.failedRegions()) {
    const key = await ctx.peers.keyIn(failedRegion, keyId);
    if (key) return key;
  }
  return undefined;
}

/**
 * A key ARN of a region declared failed for this one, named as KeyId (e.g. by an Encryption SDK keyring
 * whose client for the failed region is pointed at the recovery region): that region's key, else undefined.
 */
export async function recoveryKeyNamed(ctx: RecoveryContext, value: string): Promise<KeyRecord | undefined> {
  if (!ctx.recoveryDecrypt) return undefined;
  const ref = parseKeyReference(value);
  if (ref.kind !== 'keyArn' || ref.region === ctx.region || ref.partition !== PARTITION) return undefined;
  if (!(await ctx.jobStore.failedRegions()).some((declared) => declared.failedRegion === ref.region)) return undefined;
  const key = await ctx.peers.keyIn(ref.region, ref.keyId);
  return key && key.account === ref.account ? key : undefined;
}

/** The operator's declaration (or withdrawal) as an audit record of the recovery region. */
function declarationRecord(region: string, declaration: FailedRegion, withdraw: boolean, time: Date): AuditRecord {
  return operatorRecord(withdraw ? 'WithdrawRegionFailure' : 'DeclareRegionFailed', region, declaration.declaredBy, time, {
    eventID: randomUUID(),
    serviceEventDetails: { failedRegion: declaration.failedRegion, recoveryRegion: region, reason: declaration.reason ?? null },
  });
}
