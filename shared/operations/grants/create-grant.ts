/**
 * CreateGrant: https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateGrant.html
 *
 * Order of checks: the request on its own (grantee, retiring principal, operations, constraints), then
 * the key (resolver: kms:CreateGrant from the key policy or from a grant, then the key state), then what
 * depends on the key (operations the key supports; encryption-context constraints only on symmetric
 * encryption keys), then, when a grant's CreateGrant permission was used, that the new grant is at least
 * as strict as that grant, then DryRun. A Name makes the request idempotent: the same name with
 * identical parameters returns the existing grant's id (with a new token each time); a different set of
 * parameters under the same name is a new grant, as names do not identify grants in AWS.
 */
import { accessDenied } from '../../authz/authorize.js';
import type { ContextValue } from '../../policy/types.js';
import { retryOnConflict, RetryConflict } from '../../keys/conflict-retry.js';
import { InvalidArnException, LimitExceededException, ValidationException } from '../../errors.js';
import type { GrantOperation } from '../../grants/types.js';
import { authorizingGrants } from '../../grants/grant-check.js';
import {
  atLeastAsStrict,
  constraintType,
  distinctOperations,
  grantNameKey,
  grantOperationsFor,
  MAX_GRANTS_PER_KEY,
  normalizeConstraints,
  parsePrincipalArn,
  validateConstraints,
} from '../../grants/rules.js';
import type { GrantConstraints, GrantRecord } from '../../grants/types.js';
import type { CreateGrantRequest } from '../../model/types.js';
import type { OperationContext } from '../../context/operation-context.js';
import { resolveKey } from '../../keys/resolve-key.js';
import { dryRunSucceeded } from '../../keys/symmetric-crypto.js';

export async function createGrant(input: CreateGrantRequest, ctx: OperationContext) {
  const operations = distinctOperations(input.Operations);
  checkRequest(input, operations);
  const constraints = normalizeConstraints(input.Constraints);

  const key = await resolveKey(ctx, input.KeyId, 'CreateGrant', {
    allowAlias: false,
    conditions: {
      grantTokens: input.GrantTokens,
      // kms:EncryptionContext:* and kms:EncryptionContextKeys of CreateGrant refer to the constraint's pairs.
      encryptionContext: constraints?.EncryptionContextEquals ?? constraints?.EncryptionContextSubset,
      extra: grantConditionKeys(input, operations, constraints),
    },
  });

  const supported = grantOperationsFor(key);
  const unsupported = operations.filter((op) => !supported.has(op));
  if (unsupported.length > 0) {
    throw new ValidationException(
      `The grant operations [${unsupported.join(', ')}] are not supported for ${key.arn} (key spec ${key.keySpec}, key usage ${key.keyUsage}).`,
    );
  }
  const symmetricEncryption = key.keyUsage === 'ENCRYPT_DECRYPT' && key.keySpec === 'SYMMETRIC_DEFAULT';
  if (!symmetricEncryption && (constraints?.EncryptionContextEquals || constraints?.EncryptionContextSubset)) {
    throw new ValidationException('Encryption context grant constraints are supported only for symmetric encryption KMS keys.');
  }

  // Permission from a grant's CreateGrant: the new grant may not be broader than one such grant.
  const parents = authorizingGrants(ctx, key.keyId, 'CreateGrant');
  if (parents && !parents.some((parent) => atLeastAsStrict({ operations, constraints }, parent))) {
    throw accessDenied(ctx.caller.principalArn, 'kms:CreateGrant', key.arn, false);
  }

  if (input.DryRun) dryRunSucceeded();

  const terms = {
    keyId: key.keyId,
    keyArn: key.arn,
    region: key.region,
    keyAccount: key.account,
    granteePrincipal: input.GranteePrincipal,
    granteeServicePrincipal: input.GranteeServicePrincipal,
    retiringPrincipal: input.RetiringPrincipal,
    retiringServicePrincipal: input.RetiringServicePrincipal,
    operations,
    constraints,
  };
  const nameKey = input.Name !== undefined ? grantNameKey(input.Name, terms) : undefined;

  return retryOnConflict(async () => {
    const grant: GrantRecord = withoutUndefined({
      ...terms,
      grantId: ctx.random.bytes(32).toString('hex'),
      issuingAccount: ctx.caller.account,
      name: input.Name,
      nameKey,
      creationDate: ctx.clock.now().getTime(),
    });
    // A ConditionFailedError here: the named grant this request matched was retired meanwhile (try again).
    const outcome = await ctx.grants.createGrant(grant, MAX_GRANTS_PER_KEY);
    if (outcome.kind === 'limit') {
      throw new LimitExceededException(`The request was rejected because ${key.arn} already has the maximum of ${MAX_GRANTS_PER_KEY} grants.`);
    }
    const issued = outcome.kind === 'created' ? grant : await ctx.grants.getGrant(key.keyId, outcome.grantId);
    if (!issued) throw new RetryConflict('retired between the write and this read');
    const token = await ctx.grantTokens.issue(
      {
        grantId: issued.grantId,
        keyArn: issued.keyArn,
        granteePrincipal: issued.granteePrincipal,
        granteeServicePrincipal: issued.granteeServicePrincipal,
        operations: issued.operations,
        constraints: issued.constraints,
        issuedAt: ctx.clock.now().getTime(),
      },
      ctx.random.bytes(16),
    );
    return { GrantToken: token, GrantId: issued.grantId };
  });
}

/** Checks that need no key: who the grant is for, who may retire it, its operations and constraints. */
function checkRequest(input: CreateGrantRequest, operations: GrantOperation[]): void {
  if ((input.GranteePrincipal === undefined) === (input.GranteeServicePrincipal === undefined)) {
    throw new ValidationException('You must specify either GranteePrincipal or GranteeServicePrincipal, but not both.');
  }
  if (input.RetiringPrincipal !== undefined && input.RetiringServicePrincipal !== undefined) {
    throw new ValidationException('You can specify either RetiringPrincipal or RetiringServicePrincipal, but not both.');
  }
  for (const principal of [input.GranteePrincipal, input.RetiringPrincipal]) {
    // AWS also checks that the principal exists; here only principals of the deployment's own shape count.
    if (principal !== undefined && !parsePrincipalArn(principal)) {
      throw new InvalidArnException(`${principal} is not a valid principal ARN.`);
    }
  }
  if (operations.length === 0) {
    throw new ValidationException('A grant must allow at least one operation.');
  }
  if (operations.every((op) => op === 'CreateGrant')) {
    // Seen from AWS (2019).
    throw new ValidationException('Grants must not contain only the CreateGrant operation.');
  }
  validateConstraints(input.Constraints);
  if (input.GranteeServicePrincipal !== undefined) {
    if (input.Constraints?.SourceArn === undefined) {
      throw new ValidationException('When you specify a GranteeServicePrincipal, you must also specify a SourceArn grant constraint.');
    }
    if (input.RetiringPrincipal === undefined && input.RetiringServicePrincipal === undefined) {
      throw new ValidationException(
        'When you specify a GranteeServicePrincipal, you must also specify either a RetiringPrincipal or a RetiringServicePrincipal.',
      );
    }
  }
}

/** The grant condition keys of a CreateGrant request, for key policies (lower-case, as the authorizer wants). */
function grantConditionKeys(input: CreateGrantRequest, operations: GrantOperation[], constraints: GrantConstraints | undefined) {
  const extra: Record<string, ContextValue> = {
    'kms:grantoperations': operations,
    'kms:grantisforawsresource': false,
  };
  const add = (name: string, value: ContextValue) => {
    if (value !== undefined) extra[name] = value;
  };
  add('kms:granteeprincipal', input.GranteePrincipal);
  add('kms:granteeserviceprincipal', input.GranteeServicePrincipal);
  add('kms:retiringprincipal', input.RetiringPrincipal);
  add('kms:retiringserviceprincipal', input.RetiringServicePrincipal);
  add('kms:grantconstrainttype', constraintType(constraints));
  add('kms:grantconstraintsourcearn', constraints?.SourceArn);
  return extra;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
