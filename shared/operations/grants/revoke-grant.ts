/**
 * RevokeGrant: https://docs.aws.amazon.com/kms/latest/APIReference/API_RevokeGrant.html
 *
 * Needs kms:RevokeGrant from the key policy (the resolver checks it); allowed in every key state. The
 * grant is deleted and a tombstone left, so its grant tokens stop working at once; this process stops
 * honouring the grant at once, other processes within the grant cache's TTL.
 */
import { GRANT_ID } from '../../grants/rules.js';
import { ConditionFailedError } from '../../store/ports.js';
import { InvalidGrantIdException, NotFoundException } from '../../errors.js';
import type { OperationContext } from '../../context/operation-context.js';
import { resolveKey } from '../../keys/resolve-key.js';
import { dryRunSucceeded } from '../../keys/symmetric-crypto.js';

export interface RevokeGrantRequest {
  KeyId: string;
  GrantId: string;
  DryRun?: boolean;
}

export async function revokeGrant(input: RevokeGrantRequest, ctx: OperationContext): Promise<void> {
  if (!GRANT_ID.test(input.GrantId)) throw new InvalidGrantIdException('Invalid grant ID');
  const key = await resolveKey(ctx, input.KeyId, 'RevokeGrant', {
    allowAlias: false,
    conditions: { extra: { 'kms:grantisforawsresource': false } },
  });
  const grant = await ctx.grants.getGrant(key.keyId, input.GrantId);
  if (!grant) throw grantNotFound(input.GrantId);
  if (input.DryRun) dryRunSucceeded();
  try {
    await ctx.grants.deleteGrant(grant, 'Revoked', ctx.clock.now().getTime());
  } catch (error) {
    // Retired or revoked by a racing request: it is gone, as if it had never been found.
    if (error instanceof ConditionFailedError) throw grantNotFound(input.GrantId);
    throw error;
  }
}

/** Moto's wording for an unknown grant (AWS's is unverified). */
export function grantNotFound(grantId: string) {
  return new NotFoundException(`Grant ID ${grantId} not found`);
}
