/**
 * RetireGrant: https://docs.aws.amazon.com/kms/latest/APIReference/API_RetireGrant.html
 *
 * The grant is named by its grant token, or by KeyId (key id or key ARN) and GrantId. The key policy
 * plays no part (kms:RetireGrant "is not effective in a key policy"): the grant decides who may retire
 * it (https://docs.aws.amazon.com/kms/latest/developerguide/grant-delete.html):
 *   - its retiring principal;
 *   - its grantee, when the grant allows RetireGrant;
 *   - the account in which the grant was created, and the account that owns the key: their root users
 *     (AWS lets these accounts delegate kms:RetireGrant to their principals with IAM policies, which
 *     this deployment does not have; see callerIsAccountRoot in shared/grants/rules.ts).
 * Allowed in every key state. A token that we did not issue is InvalidGrantTokenException; a grant that
 * does not exist (or no longer does) is NotFoundException.
 */
import { accessDenied } from '../../authz/authorize.js';
import type { KeyRecord } from '../../core/types.js';
import { callerIsAccountRoot, GRANT_ID, principalMatches } from '../../grants/rules.js';
import { ConditionFailedError } from '../../store/ports.js';
import { InvalidGrantIdException, ValidationException } from '../../errors.js';
import type { OperationContext } from '../../context/operation-context.js';
import { findKey } from '../../keys/resolve-key.js';
import { dryRunSucceeded } from '../../keys/symmetric-crypto.js';
import { grantNotFound } from './revoke-grant.js';

export interface RetireGrantRequest {
  GrantToken?: string;
  KeyId?: string;
  GrantId?: string;
  DryRun?: boolean;
}

export async function retireGrant(input: RetireGrantRequest, ctx: OperationContext): Promise<void> {
  const { key, grantId } = await identifyGrant(input, ctx);
  const grant = await ctx.grants.getGrant(key.keyId, grantId);
  if (!grant) throw grantNotFound(grantId);

  const caller = ctx.caller;
  const allowed =
    principalMatches(grant.retiringPrincipal, caller) ||
    (grant.operations.includes('RetireGrant') && principalMatches(grant.granteePrincipal, caller)) ||
    callerIsAccountRoot(caller, grant.issuingAccount) ||
    callerIsAccountRoot(caller, grant.keyAccount);
  if (!allowed) throw accessDenied(caller.principalArn, 'kms:RetireGrant', key.arn, false);

  if (input.DryRun) dryRunSucceeded();
  try {
    await ctx.grants.deleteGrant(grant, 'Retired', ctx.clock.now().getTime());
  } catch (error) {
    if (error instanceof ConditionFailedError) throw grantNotFound(grantId);
    throw error;
  }
}

async function identifyGrant(input: RetireGrantRequest, ctx: OperationContext): Promise<{ key: KeyRecord; grantId: string }> {
  if (input.GrantId !== undefined && !GRANT_ID.test(input.GrantId)) throw new InvalidGrantIdException('Invalid grant ID');
  if (input.GrantToken !== undefined) {
    const claims = await ctx.grantTokens.verify(input.GrantToken);
    const key = await findKey(ctx, claims.keyArn, { allowAlias: false });
    // A KeyId or GrantId given beside the token must name the same grant.
    const named = input.KeyId !== undefined ? await findKey(ctx, input.KeyId, { allowAlias: false }) : key;
    if (named.arn !== key.arn || (input.GrantId !== undefined && input.GrantId !== claims.grantId)) {
      throw new ValidationException('The grant token and the grant ID or key ID identify different grants.');
    }
    return { key, grantId: claims.grantId };
  }
  if (input.KeyId === undefined || input.GrantId === undefined) {
    // LocalStack's wording (AWS's is unverified).
    throw new ValidationException('Grant token OR (grant ID, key ID) must be specified');
  }
  const key = await findKey(ctx, input.KeyId, { allowAlias: false });
  return { key, grantId: input.GrantId };
}

