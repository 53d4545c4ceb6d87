/**
 * Decides whether the caller may perform an action on a key, as KMS does: the key policy first
 * (explicit deny wins, then allow), then grants when the policy is silent. The account root in a key
 * policy stands for every principal of that account the deployment lets in (ARCHITECTURE "Identity and
 * authorization"); there are no IAM identity policies in this model.
 */
import type { KeyRecord } from '../core/types.js';
import { grantAllows, verifyGrantTokens } from '../grants/grant-check.js';
import type { GrantOperation } from '../grants/types.js';
import type { OperationContext } from '../context/operation-context.js';
import { evaluatePolicy, parsePolicy } from '../policy/index.js';
import type { PolicyDocument } from '../policy/types.js';
import { AccessDeniedException } from '../errors.js';
import { conditionContext, type RequestConditions } from './request-conditions.js';

/** Parsed policies by text: parsing once per key policy keeps authorization off the hot path's budget. */
const parsed = new Map<string, PolicyDocument>();
const MAX_PARSED = 10_000;

export function parsedPolicy(text: string): PolicyDocument {
  let doc = parsed.get(text);
  if (!doc) {
    doc = parsePolicy(text);
    if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value!);
    parsed.set(text, doc);
  }
  return doc;
}

const grantOperations = new Set<string>([
  'Decrypt', 'Encrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'ReEncryptFrom', 'ReEncryptTo', 'Sign',
  'Verify', 'GetPublicKey', 'CreateGrant', 'RetireGrant', 'DescribeKey', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'GenerateMac', 'VerifyMac', 'DeriveSharedSecret',
]);

/** Throws AccessDeniedException unless `action` (e.g. "kms:Encrypt") is allowed on the key. */
export async function authorize(ctx: OperationContext, key: KeyRecord, action: string, request: RequestConditions = {}): Promise<void> {
  // Verified once here: a forged or malformed token is refused even when the policy alone would allow.
  const tokenClaims = await verifyGrantTokens(ctx, request.grantTokens);
  const doc = parsedPolicy(key.policy);
  const decision = evaluatePolicy(doc, {
    principalArn: ctx.caller.principalArn,
    principalAccount: ctx.caller.account,
    action,
    resource: key.arn,
    context: conditionContext(ctx, key, request),
  });
  if (decision === 'Allow') return;
  if (decision === 'NoMatch') {
    const operation = action.slice('kms:'.length);
    if (
      grantOperations.has(operation) &&
      (await grantAllows(ctx, {
        key,
        operation: operation as GrantOperation,
        encryptionContext: request.encryptionContext,
        grantTokens: tokenClaims,
      }))
    ) {
      return;
    }
  }
  throw accessDenied(ctx.caller.principalArn, action, key.arn, decision === 'Deny');
}

export function accessDenied(principalArn: string, action: string, resource: string, explicit: boolean) {
  const why = explicit ? 'with an explicit deny in a resource-based policy' : `because no resource-based policy allows the ${action} action`;
  return new AccessDeniedException(`User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
}

