/** IAM wildcards (`*`, `?`) without regular expressions: equality, prefix, suffix, or a small glob. */

export type Matcher = (s: string) => boolean;

const MAX_PATTERNS = 4096;
/** Compiled wildcard patterns, bounded: the oldest entry goes when full. Keys are the pattern as matched (lower-cased for case-insensitive use). */
const patterns = new Map<string, Matcher>();
export const matchAll: Matcher = () => true;

/** `*` matches any run of characters (none included), `?` exactly one. Iterative, backtracking only to the last `*`. */
export function glob(p: string, s: string): boolean {
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

export function compileWildcard(p: string): Matcher {
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

export function wildcard(p: string): Matcher {
  let m = patterns.get(p);
  if (m === undefined) {
    m = compileWildcard(p);
    if (patterns.size >= MAX_PATTERNS) patterns.delete(patterns.keys().next().value as string);
    patterns.set(p, m);
  }
  return m;
}

export function anyMatches(matchers: Matcher[], s: string): boolean {
  for (let i = 0; i < matchers.length; i++) if (matchers[i]!(s)) return true;
  return false;
}
