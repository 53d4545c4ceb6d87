/**
 * What `npm run bench` prints, from its measurements: the verdicts first, then one narrow summary table,
 * then (with --verbose) the details. Pure, so that the verdicts and the table are shown to come from the
 * same numbers (tests/unit/bench-report.test.ts): a verdict's ratio is the ratio of two req/s cells of
 * the summary table, both measured in the same round-robin run.
 */

/** One target's numbers. */
export interface Row {
  name: string;
  label: string;
  /** Answers per second (2xx only); 0 when the run failed before any. */
  rps: number;
  /** Latency percentiles (ms): the medians of the rounds' own. */
  p50: number;
  p99: number;
  /** Details: the p99 of every round's latencies together (a noisy slice's tail weighs on it in full). */
  p99Pooled?: number;
  /** Why the run does not count (non-2xx answers, errors, a failed probe); undefined when it does. */
  failure?: string;
  /** A baseline: compared against, never judged. */
  baseline?: boolean;
  /** In-process node:crypto operations per second of the same operation, when measured. */
  nodeOps?: number;
  /** Details for --verbose. */
  cpuUsPerRequest?: number;
  total?: number;
  non2xx?: number;
  errors?: number;
  logLines?: number;
  /** Measured round-robin with the other rows of its goal (`interleaved`), or alone. */
  interleaved?: boolean;
}

/** A target of the issue: `target`'s req/s at least `min` times `base`'s (and its p99 under `maxP99Ms`, if given). */
export interface Goal {
  target: string;
  base: string;
  /** How the base reads in a sentence ("the reference's req/s") and in the table's ratio cell ("ref"). */
  baseText: string;
  baseShort: string;
  min: number;
  maxP99Ms?: number;
}

export interface Verdict {
  goal: Goal;
  label: string;
  /** target req/s ÷ base req/s, from the summary table's cells; undefined when either run failed. */
  ratio?: number;
  /** The target's p99 (ms), from its summary table cell. */
  p99?: number;
  outcome: 'MEETS' | 'BELOW' | 'FAILED';
}

export function verdictsOf(rows: readonly Row[], goals: readonly Goal[]): Verdict[] {
  const byName = new Map(rows.map((row) => [row.name, row]));
  const verdicts: Verdict[] = [];
  for (const goal of goals) {
    const target = byName.get(goal.target);
    const base = byName.get(goal.base);
    if (!target || !base) continue; // not measured this run (--only)
    if (target.failure || base.failure || !(base.rps > 0)) {
      verdicts.push({ goal, label: target.label, outcome: 'FAILED' });
      continue;
    }
    const ratio = target.rps / base.rps;
    const fastEnough = goal.maxP99Ms === undefined || target.p99 < goal.maxP99Ms;
    verdicts.push({ goal, label: target.label, ratio, p99: target.p99, outcome: ratio >= goal.min && fastEnough ? 'MEETS' : 'BELOW' });
  }
  return verdicts;
}

const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;
const whole = (ratio: number): string => `${Math.round(ratio * 100)}%`;
const fixed = (n: number | undefined, digits: number): string => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '-');

/** "MEETS  service Encrypt 1 KiB: 57.8% of the reference's req/s (target >= 50%)", one per verdict. */
export function verdictLines(verdicts: readonly Verdict[]): string[] {
  if (verdicts.length === 0) return ['(no target measured in this run)'];
  const width = Math.max(...verdicts.map((v) => v.label.length));
  return verdicts.map((v) => {
    const p99Wanted = v.goal.maxP99Ms === undefined ? '' : `, p99 < ${v.goal.maxP99Ms} ms`;
    const wanted = `(target >= ${whole(v.goal.min)}${p99Wanted})`;
    const p99 = v.goal.maxP99Ms === undefined || v.p99 === undefined ? '' : `, p99 ${fixed(v.p99, 2)} ms`;
    const what = v.ratio === undefined ? `run failed, not evaluated ${wanted}` : `${percent(v.ratio)} of ${v.goal.baseText}${p99} ${wanted}`;
    return `${v.outcome.padEnd(6)} ${v.label.padEnd(width)}  ${what}`;
  });
}

/**
 * The summary table: operation, req/s, p50, p99, ratio, verdict. A judged row's ratio is its verdict's;
 * another row's is to node:crypto in process when that was measured, else none.
 */
export function summaryTable(rows: readonly Row[], verdicts: readonly Verdict[]): string[] {
  const verdictOf = new Map(verdicts.map((v) => [v.goal.target, v]));
  const body = rows.map((row) => {
    const verdict = verdictOf.get(row.name);
    const failed = row.failure !== undefined;
    let ratio = '-';
    if (verdict?.ratio !== undefined) ratio = `${percent(verdict.ratio)} ${verdict.goal.baseShort}`;
    else if (!failed && row.nodeOps && row.rps > 0) ratio = `${percent(row.rps / row.nodeOps)} node`;
    const bound = verdict?.goal.maxP99Ms === undefined ? '' : ` p99<${verdict.goal.maxP99Ms}`;
    const outcome = verdict ? `${verdict.outcome} >=${whole(verdict.goal.min)}${bound}` : row.baseline ? 'baseline' : failed ? 'FAILED' : '-';
    return [row.label, failed && !(row.rps > 0) ? '-' : String(Math.round(row.rps)), fixed(row.p50, 2), fixed(row.p99, 2), ratio, outcome];
  });
  return table(['operation', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'verdict'], body);
}

/** The legend under the summary: what each ratio is of, and how it was measured. */
export function summaryLegend(rows: readonly Row[], goals: readonly Goal[]): string[] {
  const lines: string[] = [];
  const shorts = new Map<string, string>();
  const measured = (name: string) => rows.some((r) => r.name === name);
  for (const goal of goals) if (measured(goal.target) && measured(goal.base)) shorts.set(goal.baseShort, goal.baseText);
  for (const [short, text] of shorts) lines.push(`ratio "${short}": of ${text}`);
  if (rows.some((r) => r.nodeOps)) lines.push('ratio "node": of node:crypto doing the same operation in this process (no target)');
  if (rows.some((r) => r.interleaved)) {
    lines.push('Judged rows and their bases ran round-robin in the same short slices (a change of the machine\'s');
    lines.push('speed weighs on all alike; req/s, p50 and p99 are the medians of the rounds\'); a verdict\'s ratio is the ratio of their req/s cells.');
  }
  return lines;
}

/** The --verbose table: what each run cost and what else it saw. */
export function detailTable(rows: readonly Row[]): string[] {
  const body = rows.map((row) => [
    row.label,
    row.interleaved ? 'round-robin' : 'alone',
    fixed(row.cpuUsPerRequest, 0),
    fixed(row.p99Pooled, 2),
    String(row.total ?? 0),
    String(row.non2xx ?? 0),
    String(row.errors ?? 0),
    row.baseline ? '-' : String(row.logLines ?? 0),
    row.nodeOps ? String(Math.round(row.nodeOps)) : '-',
    row.nodeOps && row.rps > 0 ? fixed(1e6 / row.rps - 1e6 / row.nodeOps, 1) : '-',
  ]);
  return table(['operation', 'measured', 'CPU us/req', 'p99 pooled ms', 'answers', 'non-2xx', 'errors', 'log lines', 'node ops/s', 'overhead us/op'], body);
}

export function table(header: readonly string[], body: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

/** What a run will do, for its expected duration. */
export interface Plan {
  /** Targets measured round-robin together (each gets `duration` in slices) and alone. */
  interleaved: number;
  alone: number;
  /** Rows also measured with node:crypto in process, and for how long each. */
  inProcess: number;
  inProcessSeconds: number;
  warmup: number;
  duration: number;
  /** Whether the service is started (and left to settle) by the bench. */
  startsService: boolean;
  /** Any other load (the steady Encrypt load). */
  extraSeconds?: number;
}

/** The service's start and settling, as measured on these 2-core machines (about 8 s and 2 s). */
const SERVICE_START_SECONDS = 10;
/** Each target's probe, and the key set-up before the runs. */
const PER_TARGET_OVERHEAD_SECONDS = 0.5;

export function expectedSeconds(plan: Plan): number {
  const targets = plan.interleaved + plan.alone;
  return (
    (plan.startsService ? SERVICE_START_SECONDS : 0) +
    targets * (plan.warmup + plan.duration + PER_TARGET_OVERHEAD_SECONDS) +
    plan.inProcess * (plan.inProcessSeconds + 0.2) + // node:crypto's own 0.2 s warm-up
    (plan.extraSeconds ?? 0)
  );
}

export function duration(seconds: number): string {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
