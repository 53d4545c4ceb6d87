/**
 * RotateKeyOnDemand: https://docs.aws.amazon.com/kms/latest/APIReference/API_RotateKeyOnDemand.html
 * AWS rotates in the background; here the rotation is committed before the response, so it is complete
 * (GetKeyRotationStatus never shows OnDemandRotationStartDate) and the next Encrypt uses the new material.
 */
import { deliverNow } from '../store/outbox.js';
import { commitImportedRotation, commitRotation } from '../keys/rotate-key.js';
import { retryOnConflict } from '../keys/conflict-retry.js';
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from '../keys/resolve-key.js';
import { checkOnDemandRotation } from '../keys/rotation-rules.js';
import { pendingEverywhere } from '../keys/multi-region.js';
import { KMSInvalidStateException } from '../errors.js';

export async function rotateKeyOnDemand(input: { KeyId: string }, ctx: OperationContext) {
  // A lost race (another rotation, any change of the key) checks again on what is stored now: the
  // rotations serialize, and the ones past the limit get LimitExceededException.
  const { key, outbox } = await retryOnConflict(async () => {
    const key = await resolveKey(ctx, input.KeyId, 'RotateKeyOnDemand', { allowAlias: false });
    checkOnDemandRotation(key, ctx.clock.now());
    // An imported key rotates to its material pending rotation; any other to new material.
    if (key.origin === 'EXTERNAL') {
      // A multi-region key's new material must be imported into every region first (wording ours).
      if (!(await pendingEverywhere(ctx.peers, key, key.pendingKeyMaterialId!))) {
        throw new KMSInvalidStateException(
          `The key material (id: ${key.pendingKeyMaterialId}) pending rotation of ${key.arn} is not yet imported into every Region of the multi-Region key.`,
        );
      }
      return commitImportedRotation(ctx, key, ctx.clock.now());
    }
    return commitRotation(ctx, key, 'ON_DEMAND', ctx.clock.now());
  });
  // The event and audit record are committed with the rotation; sending them now is a courtesy.
  await deliverNow(ctx.jobStore, ctx.sinks, outbox).catch(() => {});
  return { KeyId: key.arn };
}
