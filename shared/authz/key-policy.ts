/**
 * Rules for a key policy that CreateKey, PutKeyPolicy (and later ReplicateKey) set: the service's size
 * quota, the policy language, and the lockout safety check (KMS-REFERENCE §13).
 */
import type { OperationContext } from '../context/operation-context.js';
import { evaluatePolicy } from '../policy/index.js';
import { LimitExceededException, MalformedPolicyDocumentException } from '../errors.js';
import type { PolicyDocument } from '../policy/types.js';
import { parsedPolicy } from './authorize.js';
import { conditionContext } from './request-conditions.js';

/** The key policy quota: 32 KiB, not adjustable (the model allows longer strings). */
export const MAX_POLICY_BYTES = 32_768;

export function checkNewKeyPolicy(ctx: OperationContext, policy: string, keyArn: string, bypassLockoutCheck: boolean): void {
  if (Buffer.byteLength(policy, 'utf8') > MAX_POLICY_BYTES) {
    throw new LimitExceededException(`Policy exceeds the maximum size of ${MAX_POLICY_BYTES} bytes.`);
  }
  const doc = parsedPolicy(policy); // MalformedPolicyDocumentException for syntax errors
  if (usesResourceConditionKeys(doc)) {
    // AWS's answer (observed) when a key policy conditions on the key's own tags or aliases, which only
    // IAM policies may do.
    throw new MalformedPolicyDocumentException(
      'These condition keys are not permitted in a key policy: aws:ResourceTag, kms:ResourceTag, kms:ResourceAliases',
    );
  }
  if (bypassLockoutCheck) return;
  // The caller must still be able to call PutKeyPolicy under the new policy, or the key could become unmanageable.
  const decision = evaluatePolicy(doc, {
    principalArn: ctx.caller.principalArn,
    principalAccount: ctx.caller.account,
    action: 'kms:PutKeyPolicy',
    resource: keyArn,
    context: conditionContext(ctx, undefined, { extra: { 'kms:bypasspolicylockoutsafetycheck': false } }),
  });
  if (decision !== 'Allow') {
    throw new MalformedPolicyDocumentException('The new key policy will not allow you to update the key policy in the future.');
  }
}

const RESOURCE_CONDITION_KEY = /^(aws:resourcetag|kms:resourcetag|kms:resourcealiases)(\/|$)/i;

function usesResourceConditionKeys(doc: PolicyDocument): boolean {
  return doc.Statement.some((statement) =>
    Object.values(statement.Condition ?? {}).some((keys) => Object.keys(keys).some((key) => RESOURCE_CONDITION_KEY.test(key))),
  );
}
