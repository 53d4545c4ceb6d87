/**
 * IAM condition operators (policy/evaluate.ts has the semantics): parsing an operator name with its
 * set prefix and IfExists, and compiling a condition into a matcher.
 */
import {
  arnParts,
  asEpochSeconds,
  asNumber,
  asString,
  compare,
  inCidr,
  parseCidr,
  parseDate,
  parseNumber,
  type Cidr,
  type Comparison,
  type Scalar,
} from './condition-values.js';
import type { ContextValue } from './types.js';
import { anyMatches, wildcard, type Matcher } from './wildcards.js';

export type Kind = 'String' | 'StringIgnoreCase' | 'StringLike' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'Ip' | 'Arn' | 'Null';

export interface BaseOperator {
  kind: Kind;
  cmp: Comparison;
  negated: boolean;
}

export const NONE = 0;
export const ANY_VALUE = 1;
export const ALL_VALUES = 2;

export interface ParsedOperator {
  base: BaseOperator;
  /** 0 none, 1 ForAnyValue:, 2 ForAllValues: */
  set: 0 | 1 | 2;
  ifExists: boolean;
}

const op = (kind: Kind, cmp: Comparison = 'eq', negated = false): BaseOperator => ({ kind, cmp, negated });

/** The base operators by lower-case name. */
export const OPERATORS: Record<string, BaseOperator> = {
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

// --- compiled conditions ---

export interface CompiledCondition {
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

export function valueMatcher(base: BaseOperator, values: string[]): (v: Scalar) => boolean {
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

export function compileCondition(operator: string, key: string, values: string[]): CompiledCondition {
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

export function conditionHolds(c: CompiledCondition, raw: ContextValue): boolean {
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
