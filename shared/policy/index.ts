/** The IAM policy language of key policies: parse a policy's text once, evaluate it per request. */
export { parsePolicy, policyErrors } from './parse.js';
export { evaluatePolicy } from './evaluate.js';
export type { ContextValue, Decision, EvaluationRequest, PolicyDocument, PrincipalSpec, Statement } from './types.js';
