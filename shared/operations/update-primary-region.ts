/**
 * UpdatePrimaryRegion: https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdatePrimaryRegion.html
 *
 * Called on the primary; the replica in PrimaryRegion becomes the primary and this key a replica. Which
 * key is primary lives in the shared item (store/multi-region-item.ts), which only the primary's region
 * writes: this write, conditional on this region still being the primary, hands the writer role over.
 * The keys stay usable throughout; AWS's transient Updating state is not modelled (the change is one write).
 */
import { authorize } from '../authz/authorize.js';
import { keyArn } from '../core/ids.js';
import { checkKeyState } from '../core/key-state.js';
import { isPrimary } from '../core/multi-region.js';
import { retryOnConflict } from '../keys/conflict-retry.js';
import { NotFoundException, UnsupportedOperationException, ValidationException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from '../keys/resolve-key.js';

export interface UpdatePrimaryRegionRequest {
  KeyId: string;
  PrimaryRegion: string;
}


export async function updatePrimaryRegion(input: UpdatePrimaryRegionRequest, ctx: OperationContext): Promise<Record<string, never>> {
  const region = input.PrimaryRegion;
  const conditions = { extra: { 'kms:primaryregion': region } };
  return retryOnConflict(async () => {
    const key = await resolveKey(ctx, input.KeyId, 'UpdatePrimaryRegion', { allowAlias: false, conditions });
    if (!isPrimary(key)) throw new UnsupportedOperationException(`${key.arn} is not a multi-region primary key.`);
    // Wording ours: AWS's answer is not recorded.
    if (region === key.region) throw new ValidationException(`${key.arn} is already the primary key (Region ${region}).`);
    const replica = await ctx.peers.keyIn(region, key.keyId);
    if (!replica || replica.account !== key.account) throw new NotFoundException(`Key '${keyArn(region, key.account, key.keyId)}' does not exist`);
    // Permission is needed on both keys, and both must be usable (AWS: Enabled when it starts).
    await authorize(ctx, replica, 'kms:UpdatePrimaryRegion', conditions);
    checkKeyState(replica, 'UpdatePrimaryRegion');
    await ctx.store.commitKey({ ...key, primaryRegion: region, revision: key.revision + 1 }, { sharedFrom: { ...replica, primaryRegion: region } });
    return {};
  });
}
