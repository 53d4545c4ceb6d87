/**
 * EventBridge-triggered rotation: an event asks for one key to be rotated now (users schedule these
 * with EventBridge rules, or send them from their own tooling). The event's id makes it once-only:
 * EventBridge delivers at least once, and a redelivered or duplicated event finds its marker, written in
 * the same transaction as the rotation, and rotates nothing. The rotation itself is an on-demand one,
 * with RotateKeyOnDemand's checks (state, key type, the 25-rotation limit).
 *
 *   { "id": "<uuid>", "detail-type": "KMS Key Rotation Request", "region": "us-east-1", "account": "111122223333",
 *     "detail": { "keyId": "<key id or key ARN>" } }
 */
import { isKeyId, parseKeyReference } from '../core/ids.js';
import { checkKeyState } from '../core/key-state.js';
import { KmsError } from '../errors.js';
import { checkOnDemandRotation } from '../keys/rotation-rules.js';
import { ConditionFailedError } from '../store/ports.js';
import { retryOnConflict } from '../keys/conflict-retry.js';
import type { JobServices } from './context.js';
import { deliverNow } from '../store/outbox.js';
import { commitRotation } from '../keys/rotate-key.js';

export const ROTATION_REQUEST_DETAIL_TYPE = 'KMS Key Rotation Request';

export interface RotationRequestEvent {
  id: string;
  'detail-type'?: string;
  region?: string;
  account?: string;
  time?: string;
  detail?: { keyId?: string };
}

export interface RotationRequestResult {
  eventId: string;
  keyId?: string;
  outcome: 'rotated' | 'duplicate' | 'refused';
  reason?: string;
}

export async function handleRotationRequest(
  services: Pick<JobServices, 'jobContext'>,
  event: RotationRequestEvent,
  now: Date,
  defaultRegion: string,
): Promise<RotationRequestResult> {
  const refused = (reason: string): RotationRequestResult => ({ eventId: event.id, keyId: event.detail?.keyId, outcome: 'refused', reason });
  if (typeof event.id !== 'string' || event.id === '') return refused('the event has no id');
  const ref = parseKeyReference(event.detail?.keyId ?? '');
  let region = event.region ?? defaultRegion;
  let account = event.account;
  let keyId: string;
  if (ref.kind === 'keyId') keyId = ref.keyId;
  else if (ref.kind === 'keyArn') ({ keyId, region, account } = ref);
  else return refused('detail.keyId must be a key id or a key ARN');
  if (!isKeyId(keyId)) return refused('detail.keyId must be a key id or a key ARN');

  const ctx = services.jobContext(region, now);
  return retryOnConflict(
    async (): Promise<RotationRequestResult> => {
      const key = await ctx.store.getKey(keyId, { fresh: true });
      // A key of another account than the event's is treated as absent (no cross-account rotation).
      if (!key || (account !== undefined && key.account !== account)) return refused(`Key '${keyId}' does not exist in ${region}`);
      try {
        checkKeyState(key, 'RotateKeyOnDemand');
        checkOnDemandRotation(key, now);
        const { outbox } = await commitRotation(ctx, key, 'ON_DEMAND', now, `rotation-request#${event.id}`);
        await deliverNow(ctx.jobStore, ctx.sinks, outbox).catch(() => {});
        return { eventId: event.id, keyId, outcome: 'rotated' };
      } catch (error) {
        if (error instanceof KmsError) return refused(`${error.name}: ${error.message}`);
        if (!(error instanceof ConditionFailedError)) throw error;
        // Either this event was handled already (its marker exists) or the key changed meanwhile (again).
        if (await ctx.jobStore.hasOnceMarker(`rotation-request#${event.id}`)) return { eventId: event.id, keyId, outcome: 'duplicate' };
        throw error;
      }
    },
    { exhausted: () => new Error(`rotation request ${event.id}: the key kept changing`) },
  );
}
