// `npm start`: runs the local runtime (infra/local/start.ts) from its esbuild bundle, compiled as the
// Lambda functions are (infra/local/bundle.mjs), built on first use and after a source changes.
// KMS_BUNDLE=off runs the TypeScript sources through tsx instead, as does a machine without esbuild.
import { pathToFileURL } from 'node:url';
import { bundled } from './bundle.mjs';

const ENTRY = 'infra/local/start.ts';
let entry;
if (!/^(off|false|0)$/i.test(process.env.KMS_BUNDLE ?? '')) {
  try {
    entry = await bundled(ENTRY);
  } catch (error) {
    console.error(`(running the TypeScript sources through tsx: the bundle could not be built: ${error instanceof Error ? error.message.split('\n')[0] : error})`);
  }
}
if (entry) {
  // Lambda runs its bundles with --enable-source-maps: stack traces name the TypeScript sources.
  process.setSourceMapsEnabled(true);
  await import(pathToFileURL(entry).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(new URL(`../../${ENTRY}`, import.meta.url).pathname).href);
}
