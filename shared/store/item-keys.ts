/**
 * Primary keys of every item in the single table. Per-region items (keys, their list entries, aliases)
 * carry the region in their partition key, so that in a global table each item has exactly one writer
 * region (ARCHITECTURE "Home-region writes"); key material is shared by all regions of a multi-region key.
 */
export const keyItem = (region: string, keyId: string) => ({ pk: `KEY#${region}#${keyId}`, sk: 'META' });
/** The key's last successful cryptographic use in its region (GetKeyLastUsage): beside the key, not in it, so use never races a change of the key. */
export const keyUsageItem = (region: string, keyId: string) => ({ pk: `KEY#${region}#${keyId}`, sk: 'LAST_USAGE' });

/** One entry per key under its account, so ListKeys is a Query in key-id order. */
export const keyListPk = (region: string, account: string) => `KEYS#${region}#${account}`;
export const keyListItem = (region: string, account: string, keyId: string) => ({ pk: keyListPk(region, account), sk: keyId });

export const aliasPk = (region: string, account: string) => `ALIASES#${region}#${account}`;
export const aliasItem = (region: string, account: string, aliasName: string) => ({ pk: aliasPk(region, account), sk: aliasName });
/** GSI1 key of an alias: the aliases of one key, for ListAliases with KeyId and for key deletion. */
export const aliasByKey = (region: string, keyId: string, aliasName: string) => ({
  gsi1pk: `KEY#${region}#${keyId}`,
  gsi1sk: `ALIAS#${aliasName}`,
});

export const materialItem = (keyId: string, keyMaterialId: string) => ({ pk: `MATERIAL#${keyId}`, sk: keyMaterialId });

/** Outbox entries of a region, delivered and removed by deliverOutbox (shared/jobs/outbox.ts). */
export const outboxPk = (region: string) => `OUTBOX#${region}`;
export const outboxItem = (region: string, id: string) => ({ pk: outboxPk(region), sk: id });

/** What is left to remove after a key was deleted (aliases, grants, materials): the deletion job finishes it. */
export const cleanupPk = (region: string) => `CLEANUP#${region}`;
export const cleanupItem = (region: string, keyId: string) => ({ pk: cleanupPk(region), sk: keyId });

/** Once-only markers (idempotency keys of event-triggered work); they expire through TTL. */
export const onceItem = (region: string, key: string) => ({ pk: `ONCE#${region}`, sk: key });

/** Attempts to use a key pending deletion, counted per key until the deletion job has raised the alarm. */
export const pendingDeletionUsePk = (region: string) => `PD_USE#${region}`;
export const pendingDeletionUseItem = (region: string, keyId: string) => ({ pk: pendingDeletionUsePk(region), sk: keyId });

/**
 * What the keys of a multi-region key share (current material, rotation, which region is primary): one
 * item for all regions, written only by the primary's region (store/multi-region-item.ts).
 */
export const multiRegionItem = (keyId: string) => ({ pk: `MRK#${keyId}`, sk: 'SHARED' });

/** Regions an operator declared failed, for which this region decrypts (shared/recovery/failed-regions.ts). */
export const failedRegionPk = (recoveryRegion: string) => `FAILED_REGION#${recoveryRegion}`;
export const failedRegionItem = (recoveryRegion: string, failedRegion: string) => ({ pk: failedRegionPk(recoveryRegion), sk: failedRegion });

/**
 * Service credentials (access keys this service issues and verifies, shared/credentials): one partition
 * for every region (a global item, written only from the stage's primary region), so a request is
 * authenticated in any region from that region's replica of the table.
 */
export const credentialsPk = 'CREDENTIALS';
export const credentialItem = (accessKeyId: string) => ({ pk: credentialsPk, sk: accessKeyId });
/** When a credential was last used in a region: per-region items, so that use never races a change of the credential. */
export const credentialUsePk = (region: string) => `CREDENTIAL_USE#${region}`;
export const credentialUseItem = (region: string, accessKeyId: string) => ({ pk: credentialUsePk(region), sk: accessKeyId });
