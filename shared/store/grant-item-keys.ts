/**
 * Primary and GSI1 keys of grant items in the single table. Every grant item of a key lives in one
 * partition that carries the key's region (ARCHITECTURE "Home-region writes": one writer region):
 *
 *   GRANTS#<region>#<keyId>  GRANT#<grantId>                     the grant (ListGrants, RevokeGrant, RetireGrant)
 *                            GRANTEE#<matchKey>#<grantee>#<id>   a copy of the grant, by grantee (authorization,
 *                                                                ListGrants with a grantee filter)
 *                            NAME#<digest>                       name + parameters -> grant id (idempotent CreateGrant)
 *                            COUNT                               number of grants (the 50,000 quota)
 *                            RETIRED#<grantId>                   tombstone of a retired or revoked grant
 *
 * GSI1 (gsi1pk/gsi1sk), on the grant item only: GRANTS_RETIRING#<region>#<retiring> / <keyId>#<grantId>,
 * for ListRetirableGrants. Principal ARNs and service principal names never contain '#'.
 * Pure builders, unit-tested.
 */
export const grantPartition = (region: string, keyId: string) => `GRANTS#${region}#${keyId}`;

export const GRANT_PREFIX = 'GRANT#';
export const grantItem = (region: string, keyId: string, grantId: string) => ({
  pk: grantPartition(region, keyId),
  sk: `${GRANT_PREFIX}${grantId}`,
});

/** The prefix of a grantee's entries; `grantee` narrows to one exact principal. */
export const granteePrefix = (matchKey: string, grantee?: string) =>
  grantee === undefined ? `GRANTEE#${matchKey}#` : `GRANTEE#${matchKey}#${grantee}#`;
export const granteeItem = (region: string, keyId: string, matchKey: string, grantee: string, grantId: string) => ({
  pk: grantPartition(region, keyId),
  sk: `${granteePrefix(matchKey, grantee)}${grantId}`,
});

export const grantNameItem = (region: string, keyId: string, nameKey: string) => ({
  pk: grantPartition(region, keyId),
  sk: `NAME#${nameKey}`,
});

export const grantCountItem = (region: string, keyId: string) => ({ pk: grantPartition(region, keyId), sk: 'COUNT' });

export const grantTombstoneItem = (region: string, keyId: string, grantId: string) => ({
  pk: grantPartition(region, keyId),
  sk: `RETIRED#${grantId}`,
});

/** GSI1 key of a grant with a retiring principal (or retiring service principal). */
export const retiringPk = (region: string, retiring: string) => `GRANTS_RETIRING#${region}#${retiring}`;
export const grantByRetiring = (region: string, retiring: string, keyId: string, grantId: string) => ({
  gsi1pk: retiringPk(region, retiring),
  gsi1sk: `${keyId}#${grantId}`,
});

/**
 * Bounds of "sort keys with this prefix that come after `after`" for a BETWEEN key condition: every
 * character of these keys sorts below DEL (0x7f), and `after` + '!' sorts after `after` itself and before
 * the next grant id.
 */
export function prefixRange(prefix: string, after?: string): { start: string; end: string } {
  return { start: after === undefined ? prefix : `${prefix}${after}!`, end: `${prefix}\u007f` };
}
