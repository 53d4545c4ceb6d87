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
import type { ContextValue, Decision, EvaluationRequest, PolicyDocument, PrincipalSpec, Statement } from './types.js';

// ---------------------------------------------------------------------------------------------------
// Wildcards
// ---------------------------------------------------------------------------------------------------

type Matcher = (s: string) => boolean;

const MAX_PATTERNS = 4096;
/** Compiled wildcard patterns, bounded: the oldest entry goes when full. Keys are the pattern as matched (lower-cased for case-insensitive use). */
const patterns = new Map<string, Matcher>();
const matchAll: Matcher = () => true;

/** `*` matches any run of characters (none included), `?` exactly one. Iterative, backtracking only to the last `*`. */
function glob(p: string, s: string): boolean {
  const pl = p.length;
  const sl = s.length;
  let pi = 0;
  let si = 0;
  let star = -1;
  let mark = 0;
  while (si < sl) {
    if (pi < pl) {
      const pc = p.charCodeAt(pi);
      if (pc === 42 /* * */) {
        star = pi++;
        mark = si;
        continue;
      }
      if (pc === 63 /* ? */ || pc === s.charCodeAt(si)) {
        pi++;
        si++;
        continue;
      }
    }
    if (star === -1) return false;
    pi = star + 1;
    si = ++mark;
  }
  while (pi < pl && p.charCodeAt(pi) === 42) pi++;
  return pi === pl;
}

function compileWildcard(p: string): Matcher {
  const star = p.indexOf('*');
  const hasQuestion = p.indexOf('?') !== -1;
  if (star === -1 && !hasQuestion) return (s) => s === p;
  if (p === '*') return matchAll;
  if (!hasQuestion && star === p.lastIndexOf('*')) {
    if (star === p.length - 1) {
      const prefix = p.slice(0, -1);
      return (s) => s.startsWith(prefix);
    }
    if (star === 0) {
      const suffix = p.slice(1);
      return (s) => s.endsWith(suffix);
    }
  }
  return (s) => glob(p, s);
}

function wildcard(p: string): Matcher {
  let m = patterns.get(p);
  if (m === undefined) {
    m = compileWildcard(p);
    if (patterns.size >= MAX_PATTERNS) patterns.delete(patterns.keys().next().value as string);
    patterns.set(p, m);
  }
  return m;
}

function anyMatches(matchers: Matcher[], s: string): boolean {
  for (let i = 0; i < matchers.length; i++) if (matchers[i]!(s)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------------
// Condition operators
// ---------------------------------------------------------------------------------------------------

type Kind = 'String' | 'StringIgnoreCase' | 'StringLike' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'Ip' | 'Arn' | 'Null';
type Comparison = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

interface BaseOperator {
  kind: Kind;
  cmp: Comparison;
  negated: boolean;
}

const NONE = 0;
const ANY_VALUE = 1;
const ALL_VALUES = 2;

export interface ParsedOperator {
  base: BaseOperator;
  /** 0 none, 1 ForAnyValue:, 2 ForAllValues: */
  set: 0 | 1 | 2;
  ifExists: boolean;
}

const op = (kind: Kind, cmp: Comparison = 'eq', negated = false): BaseOperator => ({ kind, cmp, negated });

/** The base operators by lower-case name. */
const OPERATORS: Record<string, BaseOperator> = {
  stringequals: op('String'),
  stringnotequals: op('String', 'eq', true),
  stringequalsignorecase: op('StringIgnoreCase'),
  stringnotequalsignorecase: op('StringIgnoreCase', 'eq', true),
  stringlike: op('StringLike'),
  stringnotlike: op('StringLike', 'eq', true),
  numericequals: op('Numeric'),
  numericnotequals: op('Numeric', 'eq', true),
  numericlessthan: op('Numeric', 'lt'),
  numericlessthanequals: op('Numeric', 'lte'),
  numericgreaterthan: op('Numeric', 'gt'),
  numericgreaterthanequals: op('Numeric', 'gte'),
  dateequals: op('Date'),
  datenotequals: op('Date', 'eq', true),
  datelessthan: op('Date', 'lt'),
  datelessthanequals: op('Date', 'lte'),
  dategreaterthan: op('Date', 'gt'),
  dategreaterthanequals: op('Date', 'gte'),
  bool: op('Bool'),
  binaryequals: op('Binary'),
  ipaddress: op('Ip'),
  notipaddress: op('Ip', 'eq', true),
  arnequals: op('Arn'),
  arnnotequals: op('Arn', 'eq', true),
  arnlike: op('Arn'),
  arnnotlike: op('Arn', 'eq', true),
  null: op('Null'),
};

/**
 * Reads an operator as written in a policy ("ForAnyValue:StringLikeIfExists"), ignoring case. Undefined
 * for unknown operators, for NullIfExists (IAM: IfExists applies to every operator but Null) and for a
 * set prefix on Null (presence has no per-value meaning).
 */
export function parseOperator(name: string): ParsedOperator | undefined {
  let lower = name.toLowerCase();
  let set: ParsedOperator['set'] = NONE;
  if (lower.startsWith('foranyvalue:')) {
    set = ANY_VALUE;
    lower = lower.slice('foranyvalue:'.length);
  } else if (lower.startsWith('forallvalues:')) {
    set = ALL_VALUES;
    lower = lower.slice('forallvalues:'.length);
  }
  let ifExists = false;
  if (lower.endsWith('ifexists')) {
    ifExists = true;
    lower = lower.slice(0, -'ifexists'.length);
  }
  const base = Object.prototype.hasOwnProperty.call(OPERATORS, lower) ? OPERATORS[lower] : undefined;
  if (!base) return undefined;
  if (base.kind === 'Null' && (ifExists || set !== NONE)) return undefined;
  return { base, set, ifExists };
}

type Scalar = string | number | boolean | Date;

function asString(v: Scalar): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  return String(v);
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseNumber(s: string): number {
  return NUMBER.test(s) ? Number(s) : NaN;
}

function asNumber(v: Scalar): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseNumber(v);
  return NaN;
}

const EPOCH = /^-?\d+(?:\.\d+)?$/;
const ISO_DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Milliseconds since the epoch, or NaN. Never uses the local time zone. */
function parseDate(s: string): number {
  if (EPOCH.test(s)) return Number(s) * 1000;
  const m = ISO_DATE.exec(s);
  if (!m) return NaN;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(`0.${m[7]}`) * 1000;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return NaN;
  if (hour === 24 && (minute !== 0 || second !== 0 || millis !== 0)) return NaN;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (oh > 23 || om > 59) return NaN;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 31 February over into March: reject days the month does not have.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return NaN;
  return utc - offsetMinutes * 60_000;
}

/** Whole seconds since the epoch (dates compare at one-second precision), or NaN. */
function asEpochSeconds(v: Scalar): number {
  let ms: number;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'number') ms = v * 1000;
  else if (typeof v === 'string') ms = parseDate(v);
  else return NaN;
  return Math.floor(ms / 1000);
}

function compare(cmp: Comparison, a: number, b: number): boolean {
  switch (cmp) {
    case 'eq':
      return a === b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
  }
}

// --- IP addresses ---

interface Cidr {
  v4: boolean;
  /** IPv4: one word; IPv6: four 32-bit words, most significant first. */
  words: number[];
  masks: number[];
}

/** Dotted quad to a 32-bit number, or undefined. A character loop: this runs per request for aws:SourceIp. */
function parseIPv4(s: string): number | undefined {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else if (c === 46 /* . */ && digits > 0 && dots < 3) {
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return n * 256 + octet;
}

/** Eight 16-bit groups, or undefined. */
function parseIPv6(s: string): number[] | undefined {
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone);
  const lastColon = s.lastIndexOf(':');
  if (lastColon === -1) return undefined;
  if (s.indexOf('.', lastColon) !== -1) {
    const v4 = parseIPv4(s.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const double = s.indexOf('::');
  let parts: string[];
  if (double !== -1) {
    if (s.indexOf('::', double + 1) !== -1) return undefined;
    const head = double === 0 ? [] : s.slice(0, double).split(':');
    const tail = double + 2 === s.length ? [] : s.slice(double + 2).split(':');
    if (head.length + tail.length > 7) return undefined;
    parts = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  } else {
    parts = s.split(':');
    if (parts.length !== 8) return undefined;
  }
  const groups: number[] = [];
  for (const part of parts) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(part)) return undefined;
    groups.push(parseInt(part, 16));
  }
  return groups;
}

function isV4Mapped(g: number[]): boolean {
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
}

function v4Mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** An address ("10.0.0.1", "2001:db8::1") or a CIDR block ("10.0.0.0/8", "2001:db8::/32"). */
function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const address = slash === -1 ? s : s.slice(0, slash);
  const prefixText = slash === -1 ? undefined : s.slice(slash + 1);
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const v4 = address.indexOf(':') === -1 ? parseIPv4(address) : undefined;
  if (v4 !== undefined) {
    const bits = prefixText === undefined ? 32 : Number(prefixText);
    if (bits > 32) return undefined;
    return { v4: true, words: [v4], masks: [v4Mask(bits)] };
  }
  const g = parseIPv6(address);
  if (!g) return undefined;
  const bits = prefixText === undefined ? 128 : Number(prefixText);
  if (bits > 128) return undefined;
  if (isV4Mapped(g) && bits >= 96) {
    return { v4: true, words: [(g[6]! * 65536 + g[7]!) >>> 0], masks: [v4Mask(bits - 96)] };
  }
  const words: number[] = [];
  const masks: number[] = [];
  for (let i = 0; i < 4; i++) {
    words.push((g[2 * i]! * 65536 + g[2 * i + 1]!) >>> 0);
    masks.push(v4Mask(Math.max(0, Math.min(32, bits - 32 * i))));
  }
  return { v4: false, words, masks };
}

function inCidr(address: Cidr, block: Cidr): boolean {
  if (address.v4 !== block.v4) return false;
  for (let i = 0; i < block.words.length; i++) {
    if (((address.words[i]! ^ block.words[i]!) & block.masks[i]!) !== 0) return false;
  }
  return true;
}

// --- ARNs ---

/** The six colon-separated parts of an ARN (the last keeps any further colons), or undefined. */
function arnParts(s: string): string[] | undefined {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < 5; i++) {
    const colon = s.indexOf(':', start);
    if (colon === -1) return undefined;
    parts.push(s.slice(start, colon));
    start = colon + 1;
  }
  parts.push(s.slice(start));
  return parts;
}

// --- compiled conditions ---

interface CompiledCondition {
  key: string;
  set: ParsedOperator['set'];
  ifExists: boolean;
  negated: boolean;
  /** Null only: what holds when the key is absent / present. */
  nullWhenAbsent: boolean;
  nullWhenPresent: boolean;
  isNull: boolean;
  /** Whether one request value matches at least one policy value (the positive form of the operator). */
  match: (v: Scalar) => boolean;
}

const never = (): boolean => false;

function valueMatcher(base: BaseOperator, values: string[]): (v: Scalar) => boolean {
  switch (base.kind) {
    case 'String':
      return (v) => values.includes(asString(v));
    case 'StringIgnoreCase': {
      const lowered = values.map((x) => x.toLowerCase());
      return (v) => lowered.includes(asString(v).toLowerCase());
    }
    case 'StringLike': {
      const matchers = values.map(wildcard);
      return (v) => anyMatches(matchers, asString(v));
    }
    case 'Numeric': {
      const numbers = values.map(parseNumber).filter((n) => !Number.isNaN(n));
      const cmp = base.cmp;
      return (v) => {
        const n = asNumber(v);
        if (Number.isNaN(n)) return false;
        for (const p of numbers) if (compare(cmp, n, p)) return true;
        return false;
      };
    }
    case 'Date': {
      const seconds = values.map((x) => Math.floor(parseDate(x) / 1000)).filter((n) => !Number.isNaN(n));
      const cmp = base.cmp;
      return (v) => {
        const n = asEpochSeconds(v);
        if (Number.isNaN(n)) return false;
        for (const p of seconds) if (compare(cmp, n, p)) return true;
        return false;
      };
    }
    case 'Bool': {
      const lowered = values.map((x) => x.toLowerCase());
      return (v) => lowered.includes(typeof v === 'string' ? v.toLowerCase() : typeof v === 'boolean' ? String(v) : '');
    }
    case 'Binary': {
      const canonical = values.map((x) => Buffer.from(x, 'base64').toString('base64'));
      return (v) => typeof v === 'string' && canonical.includes(Buffer.from(v, 'base64').toString('base64'));
    }
    case 'Ip': {
      const blocks = values.map(parseCidr).filter((c): c is Cidr => c !== undefined);
      if (blocks.length === 0) return never;
      return (v) => {
        if (typeof v !== 'string') return false;
        const address = parseCidr(v);
        // A request value is an address, not a block.
        if (!address || v.indexOf('/') !== -1) return false;
        for (const block of blocks) if (inCidr(address, block)) return true;
        return false;
      };
    }
    case 'Arn': {
      const compiled: Matcher[][] = [];
      for (const x of values) {
        const parts = arnParts(x);
        if (parts) compiled.push(parts.map(wildcard));
      }
      if (compiled.length === 0) return never;
      return (v) => {
        if (typeof v !== 'string') return false;
        const parts = arnParts(v);
        if (!parts) return false;
        outer: for (const pattern of compiled) {
          for (let i = 0; i < 6; i++) if (!pattern[i]!(parts[i]!)) continue outer;
          return true;
        }
        return false;
      };
    }
    case 'Null':
      return never;
  }
}

function compileCondition(operator: string, key: string, values: string[]): CompiledCondition {
  const parsed = parseOperator(operator);
  if (!parsed) {
    // Not reachable for parsed documents (parsePolicy rejects unknown operators); a hand-built one fails closed.
    return { key, set: NONE, ifExists: false, negated: false, isNull: false, nullWhenAbsent: false, nullWhenPresent: false, match: never };
  }
  const isNull = parsed.base.kind === 'Null';
  const lowered = isNull ? values.map((x) => x.toLowerCase()) : [];
  return {
    key,
    set: parsed.set,
    ifExists: parsed.ifExists,
    negated: parsed.base.negated,
    isNull,
    nullWhenAbsent: lowered.includes('true'),
    nullWhenPresent: lowered.includes('false'),
    match: valueMatcher(parsed.base, values),
  };
}

function conditionHolds(c: CompiledCondition, raw: ContextValue): boolean {
  const absent = raw === undefined || (Array.isArray(raw) && raw.length === 0);
  if (c.isNull) return absent ? c.nullWhenAbsent : c.nullWhenPresent;
  if (absent) return c.ifExists || c.set === ALL_VALUES || (c.set === NONE && c.negated);
  const negated = c.negated;
  if (!Array.isArray(raw)) return c.match(raw) !== negated;
  if (c.set === NONE) {
    for (let i = 0; i < raw.length; i++) if (c.match(raw[i]!)) return !negated;
    return negated;
  }
  if (c.set === ANY_VALUE) {
    for (let i = 0; i < raw.length; i++) if (c.match(raw[i]!) !== negated) return true;
    return false;
  }
  for (let i = 0; i < raw.length; i++) if (c.match(raw[i]!) === negated) return false;
  return true;
}

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
