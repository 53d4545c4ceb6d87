/**
 * Evaluates a key policy for one request: an explicit Deny beats an Allow, which beats no match.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 *
 * Runs on every Encrypt/Decrypt, so a document is compiled once (matchers, parsed numbers, dates,
 * CIDRs and ARN patterns) into a form cached per document object: documents must be treated as
 * immutable once evaluated. Wildcards never use regular expressions: a pattern becomes an equality,
 * prefix or suffix test, or a small backtracking glob. Condition values are asked of the request
 * lazily and only once the statement's action, resource and principal have matched.
 *
 * Semantics, IAM's where documented and our choice (marked "choice") where not:
 * - Action/NotAction: case-insensitive, `*` and `?` wildcards. Resource/NotResource: case-sensitive
 *   wildcards over the whole ARN ("*" is this key). A statement without Action/NotAction or without
 *   Resource/NotResource never matches.
 * - Principal: "*" or {AWS:"*"} is anyone; an account id or `arn:<partition>:iam::<acct>:root` is every
 *   principal of that account (the deployment's documented meaning); a user or role ARN is exactly that
 *   principal (case-sensitive); a role ARN also covers its sessions
 *   `arn:<partition>:sts::<acct>:assumed-role/<role name>/<session>` (the role's path is not part of a
 *   session ARN); a session ARN is only that session. Service, Federated and CanonicalUser principals
 *   never match a caller. NotPrincipal (choice) applies to exactly the callers Principal would not
 *   match, so a NotPrincipal account root excludes the whole account (IAM's quirk, where it would
 *   exclude only the root user, does not fit the account-root meaning above).
 * - Condition: operators AND-ed, keys within an operator AND-ed, the values of a key OR-ed. A negated
 *   operator (StringNotEquals, NumericNotEquals, DateNotEquals, NotIpAddress, ArnNotEquals, ArnNotLike,
 *   StringNotLike, StringNotEqualsIgnoreCase) holds when the value matches none of the policy values.
 * - An absent key (undefined or an empty list): ...IfExists holds; ForAllValues holds; ForAnyValue does
 *   not; otherwise a negated operator holds and any other does not. Null: "true" holds when the key is
 *   absent, "false" when it is present.
 * - Without a set prefix a multi-valued request value matches when any element matches (a negated
 *   operator then holds when no element matches). ForAnyValue: some request value satisfies the
 *   operator; ForAllValues: every request value does (for negated operators "satisfies" means matches
 *   none of the policy values).
 * - Typed operators: a request or policy value that cannot be read as a number, date, boolean, IP
 *   address or ARN never matches (so the negated form holds) (choice).
 * - Dates: ISO 8601 / W3C forms (a time without an offset is UTC) or epoch seconds (all digits, so
 *   "2020" is epoch 2020, not a year: choice); compared at one-second precision. A request value may
 *   be a Date, epoch seconds (number) or such a string.
 * - Bool: "true"/"false", case-insensitive. BinaryEquals: base64 values compared as bytes.
 * - IpAddress: IPv4 and IPv6 addresses or CIDRs; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) counts
 *   as its IPv4 address (choice: Node reports dual-stack peers that way); an IPv6 zone is ignored.
 * - Arn operators: ArnEquals and ArnLike are the same (as in IAM): the six colon-separated parts are
 *   matched one by one, case-sensitively, with wildcards that cannot span a colon (except in the last
 *   part, the resource, which may contain colons). A policy value with fewer than six parts never
 *   matches (choice).
 * - Policy variables (`${aws:username}`) are not supported: they are compared literally.
 */
import { compileCondition, conditionHolds, type CompiledCondition } from './conditions.js';
import type { Decision, EvaluationRequest, PolicyDocument, PrincipalSpec, Statement } from './types.js';
import { anyMatches, wildcard, type Matcher } from './wildcards.js';

// ---------------------------------------------------------------------------------------------------
// Principals
// ---------------------------------------------------------------------------------------------------

interface PrincipalMatcher {
  anyone: boolean;
  accounts: Set<string>;
  exact: Set<string>;
  /** `arn:<partition>:sts::<acct>:assumed-role/<role>/`, for each role named */
  sessionPrefixes: string[];
}

const ACCOUNT_ID = /^\d{12}$/;
const ACCOUNT_ROOT = /^arn:[^:]+:iam::(\d{12}):root$/;
const ROLE = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;

function compilePrincipal(spec: PrincipalSpec | undefined): PrincipalMatcher | undefined {
  if (spec === undefined) return undefined;
  const m: PrincipalMatcher = { anyone: spec === '*', accounts: new Set(), exact: new Set(), sessionPrefixes: [] };
  if (spec === '*') return m;
  // Service, Federated and CanonicalUser principals never match a caller of this service.
  for (const p of spec.AWS ?? []) {
    if (p === '*') {
      m.anyone = true;
      continue;
    }
    if (ACCOUNT_ID.test(p)) {
      m.accounts.add(p);
      continue;
    }
    const root = ACCOUNT_ROOT.exec(p);
    if (root) {
      m.accounts.add(root[1]!);
      continue;
    }
    m.exact.add(p);
    const role = ROLE.exec(p);
    if (role) m.sessionPrefixes.push(`arn:${role[1]}:sts::${role[2]}:assumed-role/${role[3]}/`);
  }
  return m;
}

function principalMatches(m: PrincipalMatcher, req: EvaluationRequest): boolean {
  if (m.anyone) return true;
  if (m.accounts.size !== 0 && m.accounts.has(req.principalAccount)) return true;
  const arn = req.principalArn;
  if (m.exact.has(arn)) return true;
  for (const prefix of m.sessionPrefixes) {
    // A session name is non-empty and has no "/".
    if (arn.length > prefix.length && arn.startsWith(prefix) && arn.indexOf('/', prefix.length) === -1) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------
// Statements and documents
// ---------------------------------------------------------------------------------------------------

interface CompiledStatement {
  deny: boolean;
  /** undefined: neither Principal nor NotPrincipal, the statement never matches */
  principal: PrincipalMatcher | undefined;
  notPrincipal: boolean;
  /** undefined: neither Action nor NotAction, the statement never matches. Lower-cased patterns. */
  actions: Matcher[] | undefined;
  notAction: boolean;
  resources: Matcher[] | undefined;
  notResource: boolean;
  conditions: CompiledCondition[];
}

function compileStatement(s: Statement): CompiledStatement {
  const actionList = s.Action ?? s.NotAction;
  const resourceList = s.Resource ?? s.NotResource;
  const conditions: CompiledCondition[] = [];
  for (const [operator, keys] of Object.entries(s.Condition ?? {})) {
    for (const [key, values] of Object.entries(keys)) conditions.push(compileCondition(operator, key, values));
  }
  return {
    deny: s.Effect === 'Deny',
    principal: compilePrincipal(s.Principal ?? s.NotPrincipal),
    notPrincipal: s.Principal === undefined && s.NotPrincipal !== undefined,
    actions: actionList?.map((a) => wildcard(a.toLowerCase())),
    notAction: s.Action === undefined && s.NotAction !== undefined,
    resources: resourceList?.map(wildcard),
    notResource: s.Resource === undefined && s.NotResource !== undefined,
    conditions,
  };
}

const compiledDocs = new WeakMap<PolicyDocument, CompiledStatement[]>();

function compiled(doc: PolicyDocument): CompiledStatement[] {
  let statements = compiledDocs.get(doc);
  if (statements === undefined) {
    statements = doc.Statement.map(compileStatement);
    compiledDocs.set(doc, statements);
  }
  return statements;
}

function statementApplies(s: CompiledStatement, req: EvaluationRequest, action: string): boolean {
  if (s.actions === undefined || s.resources === undefined || s.principal === undefined) return false;
  if (anyMatches(s.actions, action) === s.notAction) return false;
  if (anyMatches(s.resources, req.resource) === s.notResource) return false;
  if (principalMatches(s.principal, req) === s.notPrincipal) return false;
  const conditions = s.conditions;
  for (let i = 0; i < conditions.length; i++) {
    const c = conditions[i]!;
    if (!conditionHolds(c, req.context(c.key))) return false;
  }
  return true;
}

export function evaluatePolicy(doc: PolicyDocument, req: EvaluationRequest): Decision {
  const statements = compiled(doc);
  const action = req.action.toLowerCase();
  let allowed = false;
  for (let i = 0; i < statements.length; i++) {
    const s = statements[i]!;
    // Once allowed, only a Deny can change the answer.
    if (allowed && !s.deny) continue;
    if (!statementApplies(s, req, action)) continue;
    if (s.deny) return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'NoMatch';
}
