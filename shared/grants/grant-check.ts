/**
 * `grantAllows` (contract.ts): asked by the authorizer when the key policy neither allows nor denies.
 *
 * 1. Every grant token of the request must be one this service issued (else InvalidGrantTokenException,
 *    as AWS answers a bad token).
 * 2. The caller's grants on the key (by the match keys the caller stands for; cached per process, see
 *    cached-grant-store.ts) allow the request if one of them names the operation and its constraints hold.
 * 3. Otherwise a grant token for this key may: its grant need not be readable yet (another instance's
 *    cache, a lagging read). A token is honoured only within TOKEN_AUTHORITY_MS of its issue (by then its
 *    grant is readable everywhere) and never once its grant has a tombstone (retired or revoked).
 *
 * The grants that allowed a request are remembered for the request, so that CreateGrant can hold a
 * grant created with a grant's CreateGrant permission to that grant's terms (authorizingGrants).
 */
import type { GrantAllows, GrantContext } from './contract.js';
import type { GrantOperation } from './types.js';
import type { GrantTokenClaims } from './grant-token.js';
import { callerMatchKeys, grantAllowsRequest, termsOf, TOKEN_AUTHORITY_MS, type GranteeRef, type GrantTerms } from './rules.js';

export { TOKEN_AUTHORITY_MS };

const authorizedBy = new WeakMap<GrantContext, Map<string, GrantTerms[]>>();

export const grantAllows: GrantAllows = async (ctx, check) => {
  const claims = check.grantTokens ?? [];
  const { key } = check;
  const request = { operation: check.operation, encryptionContext: check.encryptionContext };
  const visible = await ctx.grants.grantsForMatchKeys(key.keyId, callerMatchKeys(ctx.caller));
  const allowing: GrantTerms[] = visible
    .filter((grant) => grant.keyArn === key.arn)
    .map(termsOf)
    .filter((terms) => grantAllowsRequest(terms, ctx.caller, request));

  if (allowing.length === 0 && claims.length > 0) {
    const readable = new Set(visible.map((grant) => grant.grantId));
    const now = ctx.clock.now().getTime();
    for (const claim of claims) {
      // A token of a readable grant adds nothing: that grant was just weighed.
      if (claim.keyArn !== key.arn || readable.has(claim.grantId)) continue;
      if (now - claim.issuedAt > TOKEN_AUTHORITY_MS) continue;
      const terms = termsOfClaims(claim);
      if (!grantAllowsRequest(terms, ctx.caller, request)) continue;
      if (await ctx.grants.getTombstone(key.keyId, claim.grantId)) continue;
      allowing.push(terms);
    }
  }
  if (allowing.length === 0) return false;
  let record = authorizedBy.get(ctx);
  if (!record) authorizedBy.set(ctx, (record = new Map()));
  record.set(`${key.keyId}|${check.operation}`, allowing);
  return true;
};

/**
 * The grants that allowed `operation` on the key in this request, or undefined when no grant was
 * needed (the key policy allowed it).
 */
export function authorizingGrants(ctx: GrantContext, keyId: string, operation: GrantOperation): GrantTerms[] | undefined {
  return authorizedBy.get(ctx)?.get(`${keyId}|${operation}`);
}

/** Verifies every token (InvalidGrantTokenException for one we did not issue) and returns their claims. */
export async function verifyGrantTokens(ctx: GrantContext, tokens: readonly string[] | undefined): Promise<GrantTokenClaims[]> {
  if (!tokens || tokens.length === 0) return [];
  return Promise.all(tokens.map((token) => ctx.grantTokens.verify(token)));
}

function termsOfClaims(claims: GrantTokenClaims): GrantTerms & GranteeRef {
  return {
    operations: claims.operations,
    constraints: claims.constraints,
    principal: claims.granteePrincipal,
    servicePrincipal: claims.granteeServicePrincipal,
  };
}
