/**
 * What the operations and the deletion job ask about the other keys of a multi-region key
 * (KMS-REFERENCE §7). The replicas are not listed anywhere: a replica exists while its region's key
 * item does, as this region's replica of the global table holds it, so creating or deleting a replica
 * is a write in one region only, and every region derives the same list.
 */
import { keyArn } from '../core/ids.js';
import type { MultiRegionConfiguration } from '../core/key-metadata.js';
import { isPrimary } from '../core/multi-region.js';
import type { KeyRecord } from '../core/types.js';
import type { PeerKeys } from '../store/ports.js';

/** The region's own key stands for itself; the others are read from the table (in parallel). */
async function keysInRegions(peers: PeerKeys, key: KeyRecord, regions: string[]): Promise<KeyRecord[]> {
  const found = await Promise.all(regions.map((region) => (region === key.region ? key : peers.keyIn(region, key.keyId))));
  return found.filter((k): k is KeyRecord => k !== undefined);
}

/** The replica keys of a multi-region key, in the order of the configured regions. */
export async function replicasOf(peers: PeerKeys, key: KeyRecord): Promise<KeyRecord[]> {
  if (!key.multiRegion) return [];
  const primaryRegion = key.primaryRegion ?? key.region;
  const regions = [...new Set([...peers.regions, key.region])].filter((region) => region !== primaryRegion);
  return keysInRegions(peers, key, regions);
}

export async function multiRegionConfiguration(peers: PeerKeys, key: KeyRecord): Promise<MultiRegionConfiguration | undefined> {
  if (!key.multiRegion) return undefined;
  const primaryRegion = key.primaryRegion ?? key.region;
  const replicas = await replicasOf(peers, key);
  return {
    MultiRegionKeyType: isPrimary(key) ? 'PRIMARY' : 'REPLICA',
    PrimaryKey: { Arn: keyArn(primaryRegion, key.account, key.keyId), Region: primaryRegion },
    ReplicaKeys: replicas.map((replica) => ({ Arn: replica.arn, Region: replica.region })),
  };
}

/**
 * Whether every key of a multi-region key (the primary and each replica) has imported the material
 * pending rotation: until then it is PENDING_MULTI_REGION_IMPORT_AND_ROTATION and cannot become current.
 */
export async function pendingEverywhere(peers: PeerKeys, key: KeyRecord, keyMaterialId: string): Promise<boolean> {
  if (!key.multiRegion) return true;
  const primaryRegion = key.primaryRegion ?? key.region;
  const keys = await keysInRegions(peers, key, [...new Set([...peers.regions, key.region, primaryRegion])]);
  return keys.every((k) => k.pendingKeyMaterialId === keyMaterialId);
}
