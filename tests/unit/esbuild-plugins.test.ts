/**
 * infra/serverless/esbuild-plugins.cjs: a bundle's imports of Node built-ins become require() calls
 * (no ES module view of a built-in, whose making reads all its getters), each import keeping what it
 * named; a dependency's import() of a built-in gets it through require() too.
 * The bundle runs in a fresh process, so that what it loaded is its own doing.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { build, type Plugin } from 'esbuild';

const plugins = createRequire(import.meta.url)('../../infra/serverless/esbuild-plugins.cjs') as Plugin[];
const dir = mkdtempSync(join(tmpdir(), 'kms-esbuild-plugins-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ENTRY = `
import { createHash, type BinaryLike } from 'node:crypto';
import fs, { ReadStream as Stream, readFileSync } from 'node:fs';
import { join as joined } from 'path';
import 'node:os';
import * as zlib from 'node:zlib';
import type { Stats } from 'node:fs'; // type only: the build must not ask for it
export type Described = Stats;
import { ReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
export { randomUUID } from 'node:crypto';
import { viaImport, viaMethod } from './dependency.mjs';

const input: BinaryLike = 'abc';
const result = {
  hash: createHash('sha256').update(input).digest('hex'),
  sameFs: fs.readFileSync === readFileSync,
  stream: typeof Stream === 'function' && Stream === fs.ReadStream,
  joined: joined('a', 'b'),
  // Against the built-in itself (a require() call, which the plugin leaves alone).
  crc32: typeof zlib.crc32 === 'function' && zlib.crc32 === require('node:zlib').crc32,
  imported: await viaImport().then((m) => m.gzipSync === zlib.gzipSync && m.default.gzipSync === zlib.gzipSync),
  method: viaMethod(),
  gzip: zlib.gunzipSync(zlib.gzipSync('z')).toString(),
  isStream: new globalThis.ReadableStream() instanceof ReadableStream && !({} instanceof ReadableStream),
  pipeline: typeof pipeline,
};
if (process.env.PRINT_RESULT) console.log(JSON.stringify(result));
`;

test('built-ins are required, not imported as ES modules, and every kind of import still works', async () => {
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, ENTRY);
  // A dependency's import() of a built-in (as the SDK's of node:http): namespace and default alike.
  writeFileSync(
    join(dir, 'dependency.mjs'),
    [
      'export const viaImport = () => import("node:zlib");',
      // A method that happens to be named import is not an import().
      'export const loader = { import: (name) => `method ${name}` };',
      'export const viaMethod = () => loader.import("node:zlib");',
      '',
    ].join('\n'),
  );
  const outfile = join(dir, 'bundle.mjs');
  await build({
    entryPoints: [entry], outfile, bundle: true, minify: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'error', plugins,
    banner: { js: "import { createRequire as __kmsCreateRequire } from 'node:module'; const require = __kmsCreateRequire(import.meta.url);" },
  });
  const code = readFileSync(outfile, 'utf8');
  // Only the banner's own import of node:module is an ES module import of a built-in.
  assert.deepEqual([...code.matchAll(/from\s*["'](node:[\w/]+)["']/g)].map((m) => m[1]), ['node:module'], code);
  assert.doesNotMatch(code, /(?<![.\w$])import\(\s*["']node:/, 'no import() of a built-in either');
  assert.match(code, /\.import\(\s*["']node:zlib["']\)/, 'a method named import is left as it is');

  const run = spawnSync(process.execPath, [outfile], { encoding: 'utf8', env: { ...process.env, PRINT_RESULT: '1' } });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), {
    hash: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    sameFs: true,
    stream: true,
    joined: join('a', 'b'),
    crc32: true,
    imported: true,
    method: 'method node:zlib',
    gzip: 'z',
    isStream: true,
    pipeline: 'function',
  });
  const exported = (await import(outfile)) as { randomUUID: () => string };
  assert.match(exported.randomUUID(), /^[0-9a-f-]{36}$/, 're-exported member');
});
