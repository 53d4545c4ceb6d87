/**
 * esbuild plugins of every bundle (serverless.yml's `custom.esbuild.plugins`, and the local runtime's
 * bundle in infra/local/bundle.mjs).
 *
 * `builtinsByRequire`: the bundle's imports of Node built-ins (`import { createHash } from 'node:crypto'`,
 * ours and our dependencies') become `require()` calls (the banner's createRequire), each reading only the
 * members its import names. An ES module import of a built-in makes Node build its ES module view, which
 * reads every export the module has, getters included: `node:crypto`'s loads Web Crypto, `node:process`'s
 * makes stdin, Node 22's `node:http`'s loads undici (its WebSocket). Measured on this machine, importing
 * the built-ins a cold start imports: 10.6-11.5 ms as ES modules, 8.0-8.3 ms through require (Node 20);
 * 12.6-16.5 and 9.0-9.5 ms on Node 22. A dependency's `import('node:x')` gets the module through
 * require() too: the SDK's `import('node:http')` for an http:// endpoint (DynamoDB Local's) took 14-16 ms
 * on Node 22, 0.7 ms this way.
 * (Loading a built-in only when a member is first used would not help: middy's `node:stream/web`, which
 * our handlers never use, is loaded by the SDK's first response anyway, which looks up `ReadableStream`.)
 * CommonJS: serverless-esbuild require()s this file.
 */
'use strict';

const { builtinModules } = require('node:module');
const { readFileSync } = require('node:fs');
const { readFile } = require('node:fs/promises');
const { dirname } = require('node:path');

const BUILTINS = new Set(builtinModules);
const NAMESPACE = 'node-builtin-by-require';

const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build) {
    /** The text of each importer read (by onLoad, or when it imports a built-in), for this build. */
    const sources = new Map();
    // import() of a built-in in a dependency (the SDK's of node:http for an http:// endpoint): the module
    // through require(), as a namespace-like object (its members on the prototype, and `default`), so
    // that no getter is read. (esbuild would put a module import() reaches into a chunk of its own.)
    build.onLoad({ filter: /\.m?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      sources.set(args.path, text); // its imports of built-ins, resolved next, are read from it
      if (text.search(DYNAMIC_IMPORT) < 0) return undefined;
      const contents = text.replace(DYNAMIC_IMPORT, (call, quote, specifier) =>
        BUILTINS.has(specifier.replace(/^node:/, ''))
          ? `Promise.resolve().then(() => ((m) => Object.create(m, { default: { value: m, enumerable: true } }))(require(${JSON.stringify(specifier)})))`
          : call,
      );
      return { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
    build.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      // require() calls stay as they are (esbuild keeps built-ins external): this plugin's own too.
      if (args.kind !== 'import-statement') return undefined;
      const builtin = args.path.replace(/^node:/, '');
      if (!BUILTINS.has(builtin)) return undefined;
      if (!sources.has(args.importer)) sources.set(args.importer, readFileSync(args.importer, 'utf8'));
      const names = importedNames(sources.get(args.importer), args.path);
      // One module per set of names imported, so that each reads only its own.
      return { path: `${builtin}?${names ? [...names].sort().join(',') : '*'}`, namespace: NAMESPACE, pluginData: { builtin, names } };
    });
    build.onLoad({ filter: /.*/, namespace: NAMESPACE }, ({ pluginData: { builtin, names } }) => {
      const id = JSON.stringify(`node:${builtin}`);
      // `import * as m`: CommonJS, whose members esbuild reads when they are used.
      if (!names) return { contents: `module.exports = require(${id});`, loader: 'js' };
      // The members the importer names, read once.
      const members = [...names].filter((name) => name !== 'default');
      return { contents: `const builtin = require(${id});\nexport default builtin;\nexport const { ${members.join(', ')} } = builtin;`, loader: 'js' };
    });
  },
};

/** import('x') of a name with no path in it (a built-in's, or a package's); not a method named import. */
const DYNAMIC_IMPORT = /(?<![.\w$])import\(\s*(['"])((?:node:)?[a-z_/]+)\1\s*\)/g;
const IMPORT_OR_EXPORT = /\b(?:import|export)(?!\s*type\b)\s*([\w$\s{},*]*?)\s*from\s*(['"])([^'"]+)\2/g;

/**
 * The members a module's `source` imports from `specifier` (the default one as `default`), or undefined
 * when it takes the whole module (`import * as m`, `export * from`). A name missed here fails the build
 * (esbuild: no matching export), never the bundle.
 */
function importedNames(source, specifier) {
  const names = new Set();
  for (const [, clause, , from] of source.matchAll(IMPORT_OR_EXPORT)) {
    if (from !== specifier) continue;
    if (clause.includes('*')) return undefined;
    const braces = clause.indexOf('{');
    const head = (braces < 0 ? clause : clause.slice(0, braces)).replace(/,/g, ' ').trim();
    if (head) names.add('default');
    if (braces >= 0) {
      for (const item of clause.slice(braces + 1, clause.indexOf('}')).split(',')) {
        const name = item.trim().split(/\s+as\s+/)[0];
        if (name && !name.startsWith('type ')) names.add(name); // `type X`: no member at run time
      }
    }
  }
  return names; // empty for `import 'node:x'`, only for its effect
}

module.exports = [builtinsByRequire];
