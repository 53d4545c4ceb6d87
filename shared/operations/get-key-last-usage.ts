/**
 * GetKeyLastUsage: https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyLastUsage.html
 * The key's last successful cryptographic operation in this region (shared/keys/key-usage.ts records it
 * off the request path), with the audit record's event id and the request id. Key id or ARN only, not
 * across accounts; any key state.
 */
import type { OperationContext } from '../context/operation-context.js';
import type { GetKeyLastUsageRequest, GetKeyLastUsageResponse, KeyLastUsageData } from '../model/types.js';
import { resolveKey } from '../keys/resolve-key.js';

/** When this service began recording usage: a key created earlier was tracked from then on. */
export const USAGE_TRACKING_BEGAN = Date.UTC(2026, 11, 4);

export async function getKeyLastUsage(input: GetKeyLastUsageRequest, ctx: OperationContext): Promise<GetKeyLastUsageResponse> {
  const key = await resolveKey(ctx, input.KeyId, 'GetKeyLastUsage', { allowAlias: false });
  const usage = await ctx.keyUsage.last(key.keyId);
  return {
    KeyId: key.keyId,
    KeyLastUsage: usage
      ? { Operation: usage.operation as KeyLastUsageData['Operation'], Timestamp: new Date(usage.at), CloudTrailEventId: usage.eventId, KmsRequestId: usage.requestId }
      : {},
    TrackingStartDate: new Date(Math.max(key.creationDate, USAGE_TRACKING_BEGAN)),
    KeyCreationDate: new Date(key.creationDate),
  };
}
