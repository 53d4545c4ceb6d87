/**
 * ListGrants: https://docs.aws.amazon.com/kms/latest/APIReference/API_ListGrants.html
 *
 * Limit 1-100 (default 50), Marker / NextMarker / Truncated. Grants come in grant-id order (AWS does not
 * document an order). Filters: GrantId (a malformed id is InvalidGrantIdException; an unknown one gives
 * an empty list), GranteePrincipal or GranteeServicePrincipal (exact match, not both).
 */
import { decodeMarker, pageLimit, pageResult } from '../../core/pagination.js';
import { GRANT_ID, grantListEntry } from '../../grants/rules.js';
import { InvalidGrantIdException, InvalidMarkerException, ValidationException } from '../../errors.js';
import type { OperationContext } from '../../context/operation-context.js';
import { resolveKey } from '../../keys/resolve-key.js';

export interface ListGrantsRequest {
  KeyId: string;
  Limit?: number;
  Marker?: string;
  GrantId?: string;
  GranteePrincipal?: string;
  GranteeServicePrincipal?: string;
}

export async function listGrants(input: ListGrantsRequest, ctx: OperationContext) {
  const limit = pageLimit(input.Limit, 100, 50);
  const after = grantMarker(input.Marker);
  if (input.GranteePrincipal !== undefined && input.GranteeServicePrincipal !== undefined) {
    throw new ValidationException('You can specify either GranteePrincipal or GranteeServicePrincipal, but not both.');
  }
  if (input.GrantId !== undefined && !GRANT_ID.test(input.GrantId)) throw new InvalidGrantIdException('Invalid grant ID');

  const key = await resolveKey(ctx, input.KeyId, 'ListGrants', {
    allowAlias: false,
    conditions: { extra: { 'kms:grantisforawsresource': false } },
  });

  const grantee =
    input.GranteePrincipal !== undefined || input.GranteeServicePrincipal !== undefined
      ? { principal: input.GranteePrincipal, servicePrincipal: input.GranteeServicePrincipal }
      : undefined;

  if (input.GrantId !== undefined) {
    const grant = await ctx.grants.getGrant(key.keyId, input.GrantId);
    const matches =
      grant !== undefined &&
      (grantee === undefined ||
        (grantee.principal !== undefined ? grant.granteePrincipal === grantee.principal : grant.granteeServicePrincipal === grantee.servicePrincipal));
    return { Grants: matches ? [grantListEntry(grant)] : [], Truncated: false };
  }

  const page = grantee
    ? await ctx.grants.listGrantsOfGrantee(key.keyId, grantee, limit, after)
    : await ctx.grants.listGrants(key.keyId, limit, after);
  const { items, ...paging } = pageResult(page.items, page.next);
  return { Grants: items.map(grantListEntry), ...paging };
}

/** Grant listings page by grant id; any other marker is not one we issued. */
function grantMarker(marker: string | undefined): string | undefined {
  const after = decodeMarker(marker);
  if (after !== undefined && !GRANT_ID.test(after)) throw new InvalidMarkerException('Invalid marker');
  return after;
}
