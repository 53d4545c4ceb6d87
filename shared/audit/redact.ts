/**
 * What of a request (or a response) may go into an audit record, derived from AWS's model so that a new
 * operation is covered without a list to maintain: every member whose shape is a blob (plaintext,
 * ciphertext, data keys, wrapped key material, import tokens, signatures, public keys, attestation
 * documents), every shape the model marks sensitive (and everything below it), and grant tokens are
 * dropped; what remains is copied under CloudTrail's camelCase names (KeyId -> keyId). Timestamps become
 * ISO-8601 strings.
 *
 * A plan per shape is compiled once; applying it is a short loop over the members present, with no
 * spreads (the hot path runs this for every Encrypt and Decrypt).
 */
import { model, type Shape } from '../model/model.js';
import type { LineWriter } from './line-writer.js';

/** Shapes that carry grant tokens: bearer credentials, never recorded (CloudTrail leaves them out too). */
const GRANT_TOKEN_SHAPES = new Set(['GrantTokenType', 'GrantTokenList']);

interface MemberPlan {
  wire: string;
  name: string;
  /** `"name":` and `,"name":` as UTF-8, for writing the member straight into a line. */
  first: Buffer;
  next: Buffer;
  /** Structure members, or the members of each structure in a list. */
  nested?: Plan;
  list?: boolean;
  timestamp?: boolean;
}
type Plan = MemberPlan[];

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

/** A shape that is itself a secret (its value is never recorded, whatever is around it). */
const secretLeaf = (name: string, s: Shape) => s.sensitive === true || s.type === 'blob' || GRANT_TOKEN_SHAPES.has(name);

/** For values copied whole (maps, lists of scalars): any secret at any depth disqualifies them. */
function isSecretOrHasSecret(name: string, depth: number): boolean {
  const s = model.shapes[name];
  if (!s || depth > 8) return true;
  if (secretLeaf(name, s)) return true;
  if (s.type === 'structure') return Object.values(s.members ?? {}).some((m) => isSecretOrHasSecret(m.shape, depth + 1));
  if (s.type === 'list') return isSecretOrHasSecret(s.member!.shape, depth + 1);
  if (s.type === 'map') return isSecretOrHasSecret(s.key!.shape, depth + 1) || isSecretOrHasSecret(s.value!.shape, depth + 1);
  return false;
}

function compile(structureName: string, depth = 0): Plan {
  const s = model.shapes[structureName];
  if (!s || s.type !== 'structure' || depth > 8) return [];
  const plan: Plan = [];
  for (const [wire, ref] of Object.entries(s.members ?? {})) {
    const member = model.shapes[ref.shape];
    if (!member || secretLeaf(ref.shape, member)) continue;
    const name = lowerFirst(wire);
    const entry: MemberPlan = { wire, name, first: Buffer.from(`${JSON.stringify(name)}:`), next: Buffer.from(`,${JSON.stringify(name)}:`) };
    if (member.type === 'structure') entry.nested = compile(ref.shape, depth + 1);
    else if (member.type === 'list') {
      const item = model.shapes[member.member!.shape]!;
      if (item.type === 'structure') {
        entry.list = true;
        entry.nested = compile(member.member!.shape, depth + 1);
      } else if (isSecretOrHasSecret(member.member!.shape, depth + 1)) continue;
    } else if (member.type === 'map') {
      if (isSecretOrHasSecret(ref.shape, depth + 1)) continue;
    } else if (member.type === 'timestamp') entry.timestamp = true;
    plan.push(entry);
  }
  return plan;
}

/**
 * A member CloudTrail shows differently from the request (Decrypt's keyId: the key the ciphertext named):
 * `set` replaces the request's own member in its place, or follows the others when there is none;
 * `orElse` follows them when the request has none (Decrypt's encryptionAlgorithm).
 */
export interface Amendment {
  set?: { wire: string; value: string };
  orElse?: { wire: string; value: string };
}

function apply(plan: Plan, value: Record<string, unknown>, amend?: Amendment): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < plan.length; i++) {
    const m = plan[i]!;
    const v = value[m.wire];
    if (v === undefined || v === null || leftOut(m, v)) continue;
    if (m.nested) {
      if (m.list) {
        const items = new Array<unknown>((v as unknown[]).length);
        for (let j = 0; j < items.length; j++) {
          const item = (v as unknown[])[j];
          items[j] = item && typeof item === 'object' ? apply(m.nested, item as Record<string, unknown>) : null;
        }
        out[m.name] = items;
      } else out[m.name] = apply(m.nested, v as Record<string, unknown>);
    } else out[m.name] = m.timestamp ? timestampText(v) : v;
  }
  if (amend) {
    if (amend.set) out[lowerFirst(amend.set.wire)] = amend.set.value;
    if (amend.orElse && out[lowerFirst(amend.orElse.wire)] === undefined) out[lowerFirst(amend.orElse.wire)] = amend.orElse.value;
  }
  return out;
}

/**
 * JSON.stringify(apply(plan, value, amend)), written straight into `out`: no object in between (the
 * audit line of every Encrypt and Decrypt is written this way; tests/unit/audit-record.test.ts checks
 * the two agree for every operation of the model).
 */
function writeApplied(out: LineWriter, plan: Plan, value: Record<string, unknown>, amend?: Amendment): void {
  out.ascii('{');
  let first = true; // no member written yet: the next needs no comma
  let setWritten = false;
  let orElseKept = false;
  for (let i = 0; i < plan.length; i++) {
    const m = plan[i]!;
    const v = value[m.wire];
    if (v === undefined || v === null || leftOut(m, v)) continue;
    const prefix = first ? m.first : m.next;
    if (amend !== undefined) {
      if (amend.set?.wire === m.wire) {
        // In the member's place, as apply's assignment to a member it made.
        out.member(prefix, amend.set.value);
        setWritten = true;
        first = false;
        continue;
      }
      if (amend.orElse?.wire === m.wire) orElseKept = true;
    }
    if (m.nested) {
      out.bytes(prefix);
      if (m.list) {
        out.ascii('[');
        const items = v as unknown[];
        for (let j = 0; j < items.length; j++) {
          if (j > 0) out.ascii(',');
          const item = items[j];
          if (item && typeof item === 'object') writeApplied(out, m.nested, item as Record<string, unknown>);
          else out.ascii('null');
        }
        out.ascii(']');
      } else writeApplied(out, m.nested, v as Record<string, unknown>);
    } else if (!out.member(prefix, m.timestamp ? timestampText(v) : v)) continue;
    first = false;
  }
  if (amend?.set && !setWritten) {
    out.member(amendmentKey(amend.set.wire, first), amend.set.value);
    first = false;
  }
  if (amend?.orElse && !orElseKept) out.member(amendmentKey(amend.orElse.wire, first), amend.orElse.value);
  out.ascii('}');
}

/**
 * A value a member of the plan does not take: a structure's or list's of another kind, or bytes where
 * the model says there are none (a bug elsewhere, never recorded).
 */
const leftOut = (m: MemberPlan, v: unknown) => (m.nested ? (m.list ? !Array.isArray(v) : typeof v !== 'object') : !m.timestamp && isBytes(v));

const isBytes = (v: unknown) => typeof v === 'object' && !Array.isArray(v) && (Buffer.isBuffer(v) || v instanceof Uint8Array);

const timestampText = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'number' ? new Date(v * 1000).toISOString() : String(v));

const amendmentKeys = new Map<string, Buffer>();
function amendmentKey(wire: string, first: boolean): Buffer {
  const text = `${first ? '' : ','}${JSON.stringify(lowerFirst(wire))}:`;
  let key = amendmentKeys.get(text);
  if (!key) amendmentKeys.set(text, (key = Buffer.from(text)));
  return key;
}

const plans = new Map<string, Plan>();
function planOf(shapeName: string): Plan {
  let plan = plans.get(shapeName);
  if (!plan) {
    plan = compile(shapeName);
    plans.set(shapeName, plan);
  }
  return plan;
}

/** The request's members fit for an audit record (camelCase), or null when the operation has no input. */
export function safeRequestParameters(operation: string, input: unknown, amend?: Amendment): Record<string, unknown> | null {
  const shapeName = model.operations[operation]?.input;
  if (!shapeName || !input || typeof input !== 'object') return null;
  return apply(planOf(shapeName), input as Record<string, unknown>, amend);
}

/** JSON.stringify(safeRequestParameters(operation, input, amend)), written into `out`. */
export function writeSafeRequestParameters(out: LineWriter, operation: string, input: unknown, amend?: Amendment): void {
  const shapeName = model.operations[operation]?.input;
  if (!shapeName || !input || typeof input !== 'object') out.ascii('null');
  else writeApplied(out, planOf(shapeName), input as Record<string, unknown>, amend);
}

/** The response's members fit for an audit record (camelCase), or null when there is none. */
export function safeResponseElements(operation: string, output: unknown): Record<string, unknown> | null {
  const shapeName = model.operations[operation]?.output;
  if (!shapeName || !output || typeof output !== 'object') return null;
  const out = apply(planOf(shapeName), output as Record<string, unknown>);
  return Object.keys(out).length > 0 ? out : null;
}

/** The member names (wire spelling) the plan of a shape keeps at its top level; for tests. */
export function keptMembers(shapeName: string): string[] {
  return planOf(shapeName).map((m) => m.wire);
}
