/**
 * ListRetirableGrants: https://docs.aws.amazon.com/kms/latest/APIReference/API_ListRetirableGrants.html
 *
 * The grants in this region (on keys of any account) whose retiring principal is exactly the one named.
 * AWS authorizes the request with the caller's IAM permissions on the named principal, which must be a
 * principal of the caller's account; this deployment has no IAM policies, so any principal of that
 * account may list (the reading shared/grants/rules.ts explains), and a principal of another account is
 * AccessDeniedException. RetiringServicePrincipal is usable only by callers in a service principal, which
 * no caller of this service is.
 */
import { decodeMarker, pageLimit, pageResult } from '../../core/pagination.js';
import { grantListEntry, parsePrincipalArn } from '../../grants/rules.js';
import { AccessDeniedException, InvalidArnException, InvalidMarkerException, ValidationException } from '../../errors.js';
import type { OperationContext } from '../../context/operation-context.js';

export interface ListRetirableGrantsRequest {
  Limit?: number;
  Marker?: string;
  RetiringPrincipal?: string;
  RetiringServicePrincipal?: string;
}

/** Markers are `<keyId>#<grantId>` positions in the retiring-principal index. */
const POSITION = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})#[0-9a-f]{64}$/;

export async function listRetirableGrants(input: ListRetirableGrantsRequest, ctx: OperationContext) {
  const limit = pageLimit(input.Limit, 100, 50);
  const after = decodeMarker(input.Marker);
  if (after !== undefined && !POSITION.test(after)) throw new InvalidMarkerException('Invalid marker');
  if (input.RetiringPrincipal !== undefined && input.RetiringServicePrincipal !== undefined) {
    throw new ValidationException('You must specify either RetiringPrincipal or RetiringServicePrincipal, but not both.');
  }
  const resource = input.RetiringPrincipal ?? input.RetiringServicePrincipal;
  if (resource === undefined) {
    // RetiringPrincipal was required before service principals existed; keep that answer.
    throw new ValidationException(
      "1 validation error detected: Value null at 'retiringPrincipal' failed to satisfy constraint: Member must not be null",
    );
  }
  if (input.RetiringPrincipal !== undefined) {
    const principal = parsePrincipalArn(input.RetiringPrincipal);
    if (!principal) throw new InvalidArnException(`${input.RetiringPrincipal} is not a valid principal ARN.`);
    if (principal.account === ctx.caller.account) {
      const page = await ctx.grants.listRetirableGrants({ principal: input.RetiringPrincipal }, limit, after);
      const { items, ...paging } = pageResult(page.items, page.next);
      return { Grants: items.map(grantListEntry), ...paging };
    }
  }
  throw new AccessDeniedException(
    `User: ${ctx.caller.principalArn} is not authorized to perform: kms:ListRetirableGrants on resource: ${resource} because no identity-based policy allows the kms:ListRetirableGrants action`,
  );
}
