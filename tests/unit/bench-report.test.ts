/**
 * The bench's report (tests/bench/report.ts): its verdicts agree with its summary table, because both are
 * read from the same rows; a failed run is never judged; the expected run time adds up the plan.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { duration, expectedSeconds, summaryTable, verdictLines, verdictsOf, type Goal, type Row } from '../bench/report.js';

const GOALS: Goal[] = [
  { target: 'encrypt', base: 'reference', baseText: "the reference's req/s", baseShort: 'ref', min: 0.5 },
  { target: 'decrypt', base: 'reference', baseText: "the reference's req/s", baseShort: 'ref', min: 0.5 },
  { target: 'encrypt-grant', base: 'encrypt', baseText: "the owner's Encrypt", baseShort: 'owner', min: 0.8 },
];
const row = (name: string, rps: number, extra: Partial<Row> = {}): Row => ({ name, label: `label of ${name}`, rps, p50: 4.5, p99: 9.25, interleaved: true, ...extra });

/** The summary's cells of one row, by column. */
function cells(lines: string[], label: string): Record<string, string> {
  const header = lines[0]!.split(/\s{2,}/);
  const line = lines.find((l) => l.startsWith(label))!;
  const values = [label, ...line.slice(label.length).trim().split(/\s{2,}/)];
  return Object.fromEntries(header.map((h, i) => [h, values[i]!]));
}

test('each verdict is the ratio of the two req/s cells of the summary, and the verdict cell says the same', () => {
  const rows = [row('reference', 9000, { baseline: true }), row('encrypt', 4600), row('decrypt', 4400), row('encrypt-grant', 3800)];
  const verdicts = verdictsOf(rows, GOALS);
  const summary = summaryTable(rows, verdicts);
  assert.deepEqual(verdicts.map((v) => [v.goal.target, v.outcome]), [['encrypt', 'MEETS'], ['decrypt', 'BELOW'], ['encrypt-grant', 'MEETS']]);
  for (const verdict of verdicts) {
    const mine = cells(summary, verdict.label);
    const base = cells(summary, `label of ${verdict.goal.base}`);
    const ratio = Number(mine['req/s']) / Number(base['req/s']);
    assert.equal(mine.ratio, `${(ratio * 100).toFixed(1)}% ${verdict.goal.baseShort}`);
    assert.equal(mine.verdict, `${verdict.outcome} >=${verdict.goal.min * 100}%`);
    assert.equal(ratio >= verdict.goal.min, verdict.outcome === 'MEETS');
  }
  assert.equal(cells(summary, 'label of reference').verdict, 'baseline');
  assert.deepEqual(verdictLines(verdicts).map((l) => l.split(/\s+/)[0]), ['MEETS', 'BELOW', 'MEETS']);
  assert.match(verdictLines(verdicts)[1]!, /label of decrypt\s+48\.9% of the reference's req\/s \(target >= 50%\)$/);
});

test('a goal with a p99 bound is met only when the p99 cell is under it too, and its line says both', () => {
  const goals: Goal[] = [{ target: 'encrypt', base: 'reference', baseText: "the reference's req/s", baseShort: 'ref', min: 0.6, maxP99Ms: 10 }];
  const fast = verdictsOf([row('reference', 10_000, { baseline: true }), row('encrypt', 6500, { p99: 9.5 })], goals);
  const slow = verdictsOf([row('reference', 10_000, { baseline: true }), row('encrypt', 6500, { p99: 10.4 })], goals);
  assert.deepEqual([fast[0]!.outcome, slow[0]!.outcome], ['MEETS', 'BELOW']);
  assert.match(verdictLines(slow)[0]!, /^BELOW\s+label of encrypt\s+65\.0% of the reference's req\/s, p99 10\.40 ms \(target >= 60%, p99 < 10 ms\)$/);
  const summary = summaryTable([row('reference', 10_000, { baseline: true }), row('encrypt', 6500, { p99: 10.4 })], slow);
  assert.equal(cells(summary, 'label of encrypt').verdict, 'BELOW >=60% p99<10');
});

test('a failed run is not judged, nor is anything measured against it', () => {
  const rows = [row('reference', 9000, { baseline: true }), row('encrypt', 4600, { failure: '3 non-2xx' }), row('decrypt', 0, { failure: 'probe answered 500' }), row('encrypt-grant', 4000)];
  const verdicts = verdictsOf(rows, GOALS);
  assert.deepEqual(verdicts.map((v) => v.outcome), ['FAILED', 'FAILED', 'FAILED']);
  const summary = summaryTable(rows, verdicts);
  assert.deepEqual(cells(summary, 'label of decrypt'), { operation: 'label of decrypt', 'req/s': '-', 'p50 ms': '4.50', 'p99 ms': '9.25', ratio: '-', verdict: 'FAILED >=50%' });
  assert.match(verdictLines(verdicts)[2]!, /^FAILED .*run failed, not evaluated \(target >= 80%\)$/);
});

test('targets not measured this run (--only) give no verdict; unjudged rows compare with node:crypto when it was measured', () => {
  const rows = [row('generate-mac', 7000, { nodeOps: 350_000, interleaved: false }), row('bare', 20_000, { baseline: true, interleaved: false })];
  const verdicts = verdictsOf(rows, GOALS);
  assert.deepEqual(verdicts, []);
  const summary = summaryTable(rows, verdicts);
  assert.equal(cells(summary, 'label of generate-mac').ratio, '2.0% node');
  assert.equal(cells(summary, 'label of generate-mac').verdict, '-');
  assert.deepEqual(verdictLines(verdicts), ['(no target measured in this run)']);
});

test('the expected run time adds the service start, every target\'s warm-up and measurement, and node:crypto\'s runs', () => {
  const plan = { interleaved: 3, alone: 2, inProcess: 1, inProcessSeconds: 2, warmup: 2, duration: 9, startsService: true };
  assert.equal(expectedSeconds(plan), 10 + 5 * (2 + 9 + 0.5) + 2.2);
  assert.equal(expectedSeconds({ ...plan, startsService: false }), 5 * 11.5 + 2.2);
  assert.equal(duration(42.4), '42 s');
  assert.equal(duration(125), '2 min 05 s');
});
