/**
 * Stack traces mapped on demand (shared/source-stack.ts): a frame of a minified esbuild bundle names the
 * TypeScript source line, read from the map beside the bundle; frames without a map stay as they are.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { build } from 'esbuild';
import { sourceMappedStack, withSourceStack } from '../../shared/source-stack.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-source-stack-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a minified bundle frame is named by its TypeScript source line; other frames are left alone', async () => {
  const source = join(dir, 'thrower.ts');
  writeFileSync(source, ['export function first(): number {', '  return 1;', '}', '', 'export function thrower(n: number): never {', "  throw new Error('boom ' + n);", '}', ''].join('\n'));
  const bundle = join(dir, 'bundle.mjs');
  await build({ entryPoints: [source], outfile: bundle, bundle: true, minify: true, sourcemap: true, sourcesContent: false, format: 'esm', platform: 'node', logLevel: 'error' });
  // Where the throw landed in the minified output: the line and column a stack frame would show.
  const lines = readFileSync(bundle, 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes('throw'));
  const column = lines[line]!.indexOf('throw');
  const url = pathToFileURL(bundle).href;
  const stack = `Error: boom 1\n    at c (${url}:${line + 1}:${column + 1})\n    at file:///elsewhere/app.mjs:3:7\n    at node:internal/process/task_queues:95:5`;
  const mapped = sourceMappedStack(stack);
  assert.match(mapped, /at c \(\S*thrower\.ts:6:3\)/, mapped);
  assert.match(mapped, /file:\/\/\/elsewhere\/app\.mjs:3:7/, 'no map beside it: unchanged');
  assert.match(mapped, /node:internal\/process\/task_queues:95:5/);

  const error = new TypeError('bad');
  error.stack = stack.replace('Error: boom 1', 'TypeError: bad');
  const logged = withSourceStack(error) as Error;
  assert.equal(logged.name, 'TypeError');
  assert.equal(logged.message, 'bad');
  assert.match(logged.stack!, /thrower\.ts:6:3/);
  const plain = new Error('no bundle frames');
  assert.equal(withSourceStack(plain), plain, 'nothing to map: the same error');
  assert.equal(withSourceStack('a string'), 'a string');
});
