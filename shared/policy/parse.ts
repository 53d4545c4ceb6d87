/**
 * Parses a key policy (IAM policy language) into the normalised PolicyDocument of types.ts: JSON parse,
 * structural validation, and "one or a list" elements turned into lists. Syntax errors throw
 * MalformedPolicyDocumentException with one of the short, stable messages of `policyErrors`.
 *
 * What this module does not check (the authorizer's job): size quotas, whether named principals exist,
 * the lockout safety check.
 *
 * Deliberate choices where AWS is silent or we cannot observe it:
 * - Element names are case-sensitive and unknown elements are rejected (IAM rejects them too).
 * - A statement without Action/NotAction or without Resource/NotResource is accepted and never matches
 *   (KMS-REFERENCE §13). NB: AWS announced that from 2025-08-18 KMS rejects such statements.
 * - An empty list ("Action": [], a condition key with []) is rejected: it names nothing.
 * - Condition operator names are accepted in any case ("stringequals"), unknown ones are rejected.
 * - Condition values that cannot be read as the operator's type (a Numeric value "abc", a bad CIDR) are
 *   accepted and never match; see evaluate.ts.
 * - Policy variables (`${aws:username}`) are not supported: they are kept and compared literally.
 */
import { MalformedPolicyDocumentException } from '../errors.js';
import type { PolicyDocument, PrincipalSpec, Statement } from './types.js';
import { parseOperator } from './conditions.js';

/** The messages parsePolicy throws, for tests and callers that want to recognise them. */
export const policyErrors = {
  invalidJson: 'The policy is not valid JSON.',
  notAnObject: 'The policy must be a JSON object.',
  noStatement: 'The policy has no Statement.',
  invalidVersion: 'The policy has an invalid Version.',
  invalidId: 'The policy has an invalid Id.',
  unknownElement: (name: string) => `The policy contains an unknown element: ${name}.`,
  invalidStatement: 'Policy contains a statement that is not a JSON object.',
  invalidSid: 'Policy contains a statement with an invalid Sid.',
  noEffect: 'Policy contains a statement with no Effect.',
  invalidEffect: 'Policy contains a statement with an invalid Effect.',
  noPrincipal: 'Policy contains a statement with no Principal or NotPrincipal.',
  invalidPrincipals: 'Policy contains a statement with one or more invalid principals.',
  both: (element: string) => `Policy contains a statement with both ${element} and Not${element}.`,
  invalidElement: (element: string) => `Policy contains a statement with an invalid ${element}.`,
  noVendor: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  oneColon: 'Actions/Condition can contain only one colon.',
  invalidOperator: (operator: string) => `Policy contains a statement with an invalid condition operator: ${operator}.`,
} as const;

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const TOP_LEVEL = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_ELEMENTS = new Set([
  'Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition',
]);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

/**
 * An AWS principal as a key policy may name it: an account id, an account root, an IAM user or role, an
 * assumed-role session, a federated user, or an IAM unique id (AWS shows one for a deleted principal).
 * No wildcards: "*" alone is the only wildcard IAM allows in a principal.
 */
const AWS_PRINCIPAL =
  /^(?:\d{12}|arn:aws[a-z-]*:iam::\d{12}:(?:root|(?:user|role)\/[^*?]+|federated-user\/[^*?]+)|arn:aws[a-z-]*:sts::\d{12}:(?:assumed-role\/[^/*?]+\/[^/*?]+|federated-user\/[^*?]+)|A[A-Z]{3}[A-Z0-9]{12,})$/;

function fail(message: string): never {
  throw new MalformedPolicyDocumentException(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parsePolicy(text: string): PolicyDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    fail(policyErrors.invalidJson);
  }
  if (!isObject(raw)) fail(policyErrors.notAnObject);
  for (const name of Object.keys(raw)) if (!TOP_LEVEL.has(name)) fail(policyErrors.unknownElement(name));

  const doc: PolicyDocument = { Statement: [] };
  if (raw.Version !== undefined) {
    if (typeof raw.Version !== 'string' || !VERSIONS.has(raw.Version)) fail(policyErrors.invalidVersion);
    doc.Version = raw.Version;
  }
  if (raw.Id !== undefined) {
    if (typeof raw.Id !== 'string') fail(policyErrors.invalidId);
    doc.Id = raw.Id;
  }
  if (raw.Statement === undefined || raw.Statement === null) fail(policyErrors.noStatement);
  const statements = Array.isArray(raw.Statement) ? raw.Statement : [raw.Statement];
  for (const s of statements) doc.Statement.push(parseStatement(s));
  return doc;
}

function parseStatement(raw: unknown): Statement {
  if (!isObject(raw)) fail(policyErrors.invalidStatement);
  for (const name of Object.keys(raw)) if (!STATEMENT_ELEMENTS.has(name)) fail(policyErrors.unknownElement(name));

  if (raw.Effect === undefined) fail(policyErrors.noEffect);
  if (raw.Effect !== 'Allow' && raw.Effect !== 'Deny') fail(policyErrors.invalidEffect);
  const statement: Statement = { Effect: raw.Effect };
  if (raw.Sid !== undefined) {
    if (typeof raw.Sid !== 'string') fail(policyErrors.invalidSid);
    statement.Sid = raw.Sid;
  }

  if (raw.Principal !== undefined && raw.NotPrincipal !== undefined) fail(policyErrors.both('Principal'));
  if (raw.Principal !== undefined) statement.Principal = parsePrincipal(raw.Principal);
  else if (raw.NotPrincipal !== undefined) statement.NotPrincipal = parsePrincipal(raw.NotPrincipal);
  else fail(policyErrors.noPrincipal);

  if (raw.Action !== undefined && raw.NotAction !== undefined) fail(policyErrors.both('Action'));
  if (raw.Action !== undefined) statement.Action = parseActions(raw.Action, 'Action');
  if (raw.NotAction !== undefined) statement.NotAction = parseActions(raw.NotAction, 'NotAction');

  if (raw.Resource !== undefined && raw.NotResource !== undefined) fail(policyErrors.both('Resource'));
  if (raw.Resource !== undefined) statement.Resource = stringList(raw.Resource, 'Resource');
  if (raw.NotResource !== undefined) statement.NotResource = stringList(raw.NotResource, 'NotResource');

  if (raw.Condition !== undefined) statement.Condition = parseCondition(raw.Condition);
  return statement;
}

/** A string or a non-empty list of strings. */
function stringList(raw: unknown, element: string): string[] {
  if (typeof raw === 'string') return [raw];
  if (!Array.isArray(raw) || raw.length === 0) fail(policyErrors.invalidElement(element));
  for (const item of raw) if (typeof item !== 'string') fail(policyErrors.invalidElement(element));
  return raw.slice() as string[];
}

function parseActions(raw: unknown, element: string): string[] {
  const actions = stringList(raw, element);
  for (const action of actions) {
    if (action === '*') continue;
    const colon = action.indexOf(':');
    // IAM's rules: "<vendor>:<action>", the vendor without wildcards, a single colon.
    if (colon <= 0 || /[*?]/.test(action.slice(0, colon))) fail(policyErrors.noVendor);
    if (action.indexOf(':', colon + 1) !== -1) fail(policyErrors.oneColon);
  }
  return actions;
}

function parsePrincipal(raw: unknown): PrincipalSpec {
  if (raw === '*') return '*';
  if (!isObject(raw)) fail(policyErrors.invalidPrincipals);
  const names = Object.keys(raw);
  if (names.length === 0) fail(policyErrors.invalidPrincipals);
  const spec: Exclude<PrincipalSpec, '*'> = {};
  for (const name of names) {
    if (!PRINCIPAL_TYPES.has(name)) fail(policyErrors.invalidPrincipals);
    const value = raw[name];
    const list = typeof value === 'string' ? [value] : Array.isArray(value) ? (value.slice() as unknown[]) : undefined;
    if (!list || list.length === 0) fail(policyErrors.invalidPrincipals);
    for (const item of list) if (typeof item !== 'string' || item === '') fail(policyErrors.invalidPrincipals);
    const principals = list as string[];
    if (name === 'AWS') {
      for (const p of principals) if (p !== '*' && !AWS_PRINCIPAL.test(p)) fail(policyErrors.invalidPrincipals);
    }
    spec[name as keyof typeof spec] = principals;
  }
  return spec;
}

function parseCondition(raw: unknown): Record<string, Record<string, string[]>> {
  if (!isObject(raw)) fail(policyErrors.invalidElement('Condition'));
  // Null prototypes: every key the document has stays a key (`__proto__` included).
  const condition: Record<string, Record<string, string[]>> = Object.create(null);
  for (const [operator, block] of Object.entries(raw)) {
    if (!parseOperator(operator)) fail(policyErrors.invalidOperator(operator));
    if (!isObject(block)) fail(policyErrors.invalidElement('Condition'));
    const keys: Record<string, string[]> = Object.create(null);
    for (const [key, value] of Object.entries(block)) {
      if (key === '') fail(policyErrors.invalidElement('Condition'));
      // Condition keys are vendor:name (aws:SourceIp, kms:EncryptionContext:Dept): IAM refuses others.
      if (!/^[^:]+:./.test(key)) fail(policyErrors.noVendor);
      keys[key] = conditionValues(value);
    }
    condition[operator] = keys;
  }
  return condition;
}

/** string | number | boolean, or a non-empty list of them, as strings (numbers as JavaScript prints them). */
function conditionValues(raw: unknown): string[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) fail(policyErrors.invalidElement('Condition'));
  const out: string[] = [];
  for (const item of list) {
    if (typeof item === 'string') out.push(item);
    else if (typeof item === 'number' || typeof item === 'boolean') out.push(String(item));
    else fail(policyErrors.invalidElement('Condition'));
  }
  return out;
}
