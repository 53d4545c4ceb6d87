/** Reading condition values as IAM's typed operators do: strings, numbers, dates, booleans, IP addresses and CIDRs, ARNs. */

export type Comparison = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

export type Scalar = string | number | boolean | Date;

export function asString(v: Scalar): string {
  if (typeof v === 'string') return v;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  return String(v);
}

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseNumber(s: string): number {
  return NUMBER.test(s) ? Number(s) : NaN;
}

export function asNumber(v: Scalar): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return parseNumber(v);
  return NaN;
}

const EPOCH = /^-?\d+(?:\.\d+)?$/;
const ISO_DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Milliseconds since the epoch, or NaN. Never uses the local time zone. */
export function parseDate(s: string): number {
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
export function asEpochSeconds(v: Scalar): number {
  let ms: number;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'number') ms = v * 1000;
  else if (typeof v === 'string') ms = parseDate(v);
  else return NaN;
  return Math.floor(ms / 1000);
}

export function compare(cmp: Comparison, a: number, b: number): boolean {
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

export interface Cidr {
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
export function parseCidr(s: string): Cidr | undefined {
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

export function inCidr(address: Cidr, block: Cidr): boolean {
  if (address.v4 !== block.v4) return false;
  for (let i = 0; i < block.words.length; i++) {
    if (((address.words[i]! ^ block.words[i]!) & block.masks[i]!) !== 0) return false;
  }
  return true;
}

// --- ARNs ---

/** The six colon-separated parts of an ARN (the last keeps any further colons), or undefined. */
export function arnParts(s: string): string[] | undefined {
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
