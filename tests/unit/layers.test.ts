/**
 * The layers hold: an import may only point down this list (or within its layer), and no file imports
 * itself through others (no cycle, type-only imports included). The order is written here and in the
 * README's architecture section; a new folder of `shared/` must be given its place here.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { cycles, importGraph } from '../support/imports.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Lowest first. Names are the folders (or top-level files) of shared/, then the entry points and the runtime. */
export const LAYERS: readonly (readonly string[])[] = [
  ['errors', 'config', 'model', 'regions'], // AWS's errors, configuration, AWS's API model, AWS's region names
  ['core'], // pure: crypto, ids, key state, key records, principals, the environment's ports
  ['policy', 'grants', 'events', 'audit', 'ports'], // pure rules and record builders; store interfaces
  ['store'], // every persistence adapter: DynamoDB, caches, item keys, job store, outbox
  ['context'], // the operation context
  ['authz'], // key policy and grants, per request
  // The key lifecycle (resolver, state changes, rotation, conflict retry, crypto helpers, multi-region),
  // service credentials, recovery decrypts for a failed region.
  ['keys', 'credentials', 'recovery'],
  ['jobs'], // scheduled jobs
  ['operations'], // one file per KMS operation
  ['protocol'], // SigV4, STS, dispatcher, validation
  ['adapters', 'observability', 'source-stack', 'services'], // AWS and file sinks, Powertools, stack traces, the composition root
  ['functions'], // Lambda entry points
  ['infra'], // local runtime and tools
];

/** The layer unit of a repo-relative path: shared/<folder or file>, functions, infra. */
export function unitOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'shared') return parts.length > 2 ? parts[1]! : parts[1]!.replace(/\.ts$/, '');
  return parts[0]!;
}

/** Every import that points up the layers (or into a unit with no layer). */
export function upwardImports(graph: Map<string, string[]>, layers: readonly (readonly string[])[] = LAYERS): string[] {
  const rank = new Map<string, number>();
  layers.forEach((units, i) => units.forEach((unit) => rank.set(unit, i)));
  const problems: string[] = [];
  for (const [file, targets] of graph) {
    const from = rank.get(unitOf(file));
    if (from === undefined) {
      problems.push(`${file}: ${unitOf(file)} has no layer`);
      continue;
    }
    for (const target of targets) {
      const to = rank.get(unitOf(target));
      if (to === undefined) problems.push(`${file} imports ${target}: ${unitOf(target)} has no layer`);
      else if (to > from) problems.push(`${file} (${unitOf(file)}) imports ${target} (${unitOf(target)}), a higher layer`);
    }
  }
  return problems;
}

describe('layers', () => {
  const graph = importGraph(ROOT, ['shared', 'functions', 'infra']);

  it('no import points up the layers', () => {
    assert.ok(graph.size > 150, `read the sources (${graph.size} files)`);
    assert.deepEqual(upwardImports(graph), []);
  });

  it('no import cycle, type-only imports included', () => {
    assert.deepEqual(cycles(graph).map((cycle) => cycle.join(' -> ')), []);
  });

  it('the check catches an upward import and a cycle (so the tests above can fail)', () => {
    const withUpward = new Map(graph);
    withUpward.set('shared/core/upward.ts', ['shared/operations/encrypt.ts']);
    assert.deepEqual(upwardImports(withUpward), [
      'shared/core/upward.ts (core) imports shared/operations/encrypt.ts (operations), a higher layer',
    ]);
    const unplaced = new Map([['shared/newthing/x.ts', []]]);
    assert.deepEqual(upwardImports(unplaced), ['shared/newthing/x.ts: newthing has no layer']);
    const looped = new Map([
      ['shared/core/a.ts', ['shared/core/b.ts']],
      ['shared/core/b.ts', ['shared/core/a.ts']],
    ]);
    assert.deepEqual(cycles(looped), [['shared/core/a.ts', 'shared/core/b.ts']]);
  });
});
