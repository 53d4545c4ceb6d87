/**
 * The IAM policy language as KMS key policies use it: the contract between the policy module
 * (parse.ts, evaluate.ts) and the authorizer. Pure types, no behaviour.
 */

/** A condition value as the request supplies it: single-valued keys give a scalar, multi-valued keys a list. */
export type ContextValue = string | number | boolean | Date | string[] | undefined;

/** A parsed policy, normalised: every "one or list" element is a list, Principal is its own shape. */
export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: Statement[];
}

export type PrincipalSpec = '*' | { AWS?: string[]; Service?: string[]; Federated?: string[]; CanonicalUser?: string[] };

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: PrincipalSpec;
  NotPrincipal?: PrincipalSpec;
  Action?: string[];
  NotAction?: string[];
  Resource?: string[];
  NotResource?: string[];
  /** operator (as written, e.g. "StringEqualsIgnoreCase", "ForAnyValue:StringLike", "NumericLessThanIfExists") -> key -> values */
  Condition?: Record<string, Record<string, string[]>>;
}

export interface EvaluationRequest {
  /** The authenticated caller: an IAM user or role ARN, an assumed-role session ARN, or an account root ARN. */
  principalArn: string;
  principalAccount: string;
  /** e.g. "kms:Encrypt" */
  action: string;
  /** The key ARN (or "*" for actions without a key). */
  resource: string;
  /**
   * Condition context, looked up lazily by key (the key as written in the policy; lookups must ignore its
   * case, as IAM does), so that costly values are computed only when a policy asks for them.
   * Returns undefined when the key is absent from the request.
   */
  context(key: string): ContextValue;
}

/** Allow: some statement allows and none denies. Deny: an explicit deny matched. NoMatch: neither (implicit deny). */
export type Decision = 'Allow' | 'Deny' | 'NoMatch';
