/**
 * ReplicateKey: https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html
 *
 * Runs in the primary's region and writes the replica's first items (its key and its ListKeys entry,
 * under the replica region's partition) into the replica region's own replica of the global table, so
 * the replica region has them at once, and the same items into this region's copy, so the primary lists
 * the replica at once; from then on only the replica region writes them (a creation handoff: nobody else
 * can write an item that does not exist yet, and each write is conditional on its absence). A replica shares the
 * key id, material and rotation (the shared item, store/multi-region-item.ts); its policy, description,
 * tags, aliases, grants and state are its own (KMS-REFERENCE §7).
 */
import { serviceEventRecord } from '../audit/service-events.js';
import { checkNewKeyPolicy } from '../authz/key-policy.js';
import { deliverNow, outboxAudit } from '../store/outbox.js';
import { keyArn } from '../core/ids.js';
import { keyMetadata } from '../core/key-metadata.js';
import { isPrimary } from '../core/multi-region.js';
import { withoutRegionMaterial } from '../core/imported-material.js';
import { applyTags } from '../core/tags.js';
import type { KeyRecord } from '../core/types.js';
import { defaultKeyPolicy } from '../policy/default-policy.js';
import { ConditionFailedError } from '../store/ports.js';
import { AlreadyExistsException, UnsupportedOperationException, ValidationException } from '../errors.js';
import type { ReplicateKeyRequest } from '../model/types.js';
import type { OperationContext } from '../context/operation-context.js';
import { multiRegionConfiguration } from '../keys/multi-region.js';
import { resolveKey } from '../keys/resolve-key.js';

export async function replicateKey(input: ReplicateKeyRequest, ctx: OperationContext) {
  const region = input.ReplicaRegion;
  const key = await resolveKey(ctx, input.KeyId, 'ReplicateKey', {
    allowAlias: false,
    conditions: { extra: { 'kms:replicaregion': region } },
  });
  if (!isPrimary(key)) throw new UnsupportedOperationException(`${key.arn} is not a multi-region primary key.`);
  // Wording ours: AWS's answers for these three are not recorded.
  if (region === ctx.region) throw new ValidationException(`The replica Region must differ from the primary key's Region (${ctx.region}).`);
  if (!ctx.peers.canHold(region)) {
    throw new UnsupportedOperationException(`${region} is not an AWS Region this service serves; a replica cannot be created there.`);
  }
  const joins = [ctx.region, region].filter((r) => !ctx.peers.regions.includes(r));
  if (joins.length > 0 && !ctx.peers.join) {
    throw new UnsupportedOperationException(
      `${region} is not a Region of this service's global table (${ctx.peers.regions.join(', ')}); a replica cannot be created there.`,
    );
  }
  const arn = keyArn(region, key.account, key.keyId);
  // One replica per Region, also while that replica is pending deletion (KMS-REFERENCE §7).
  if (await ctx.peers.keyIn(region, key.keyId)) throw new AlreadyExistsException(`${arn} already exists.`);
  const policy = input.Policy ?? defaultKeyPolicy(key.account);
  if (input.Policy !== undefined) checkNewKeyPolicy(ctx, input.Policy, arn, input.BypassPolicyLockoutSafetyCheck === true);
  const tags = applyTags({}, input.Tags ?? []);

  const { deletionDate: _d, pendingWindowInDays: _p, deletionWarningSentFor: _w, ...copied } = key;
  // An imported key's replica starts without material: the same bytes are imported into it separately.
  const shared = key.origin === 'EXTERNAL' ? withoutRegionMaterial(copied) : copied;
  const replica: KeyRecord = {
    ...shared, // key id, spec, usage, origin, and a copy of the shared properties (the shared item rules)
    region,
    arn,
    creationDate: ctx.clock.now().getTime(),
    description: input.Description ?? '',
    // Creating for a moment, then Enabled (core/multi-region.ts `settled`), as AWS reports it [obs].
    keyState: 'Creating',
    primaryRegion: key.region,
    tags,
    policy,
    revision: 1,
  };
  // Locally every region is served: the primary's and the replica's join the global table now if they
  // are outside it (deployed: refused above).
  for (const joining of joins) await ctx.peers.join!(joining);
  try {
    await ctx.peers.storeIn(region).createKey(replica);
  } catch (error) {
    if (error instanceof ConditionFailedError) throw new AlreadyExistsException(`${arn} already exists.`);
    throw error;
  }
  // The same first items in this region's copy too, so the primary lists its new replica at once instead
  // of after the replication lag (identical items: the global table's copies converge whichever lands last).
  await ctx.peers
    .viewOf(region)
    .createKey(replica)
    .catch((error: unknown) => {
      if (!(error instanceof ConditionFailedError)) throw error; // already replicated here
    });
  // CloudTrail records ReplicateKey here (the API's own record) and CreateKey in the replica's region.
  const created = outboxAudit(
    serviceEventRecord('CreateKey', replica, ctx.clock.now(), { responseElements: { keyMetadata: { keyId: replica.keyId, arn } }, idParts: [arn, ctx.requestId] }),
  );
  await ctx.jobStore
    .putOutbox([created])
    .then(() => deliverNow(ctx.jobStore, ctx.sinks, [created]))
    .catch(() => {}); // the replica exists; a record left in the outbox goes out with the next job run
  const configuration = await multiRegionConfiguration(ctx.peers, replica);
  return {
    ReplicaKeyMetadata: keyMetadata(replica, configuration),
    ReplicaPolicy: policy,
    ReplicaTags: Object.keys(tags)
      .sort()
      .map((k) => ({ TagKey: k, TagValue: tags[k]! })),
  };
}
