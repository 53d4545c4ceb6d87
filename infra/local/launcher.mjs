// The package's entry point: the launcher (launcher.ts) from its esbuild bundle, as `npm start` runs the
// service (infra/local/bundle.mjs); through tsx (a dependency) when the bundle cannot be built or
// KMS_BUNDLE=off.
import { pathToFileURL } from 'node:url';
import { bundled } from './bundle.mjs';

let entry;
if (!/^(off|false|0)$/i.test(process.env.KMS_BUNDLE ?? '')) entry = await bundled('infra/local/launcher.ts').catch(() => undefined);
if (!entry) (await import('tsx/esm/api')).register();
export const { startKms } = await import(entry ? pathToFileURL(entry).href : './launcher.ts');
