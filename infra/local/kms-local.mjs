#!/usr/bin/env node
// `npx kms-local start [--port <n>] [--data-dir <dir>] [--seed <file>] [--regions <a,b>]`: starts the local
// KMS and prints one JSON line ({"endpoint", "region", "accessKeyId", "secretAccessKey", "dataDir"}); runs
// until Ctrl-C or SIGTERM.
import { parseArgs } from 'node:util';

const USAGE = 'usage: kms-local start [--port <n>] [--data-dir <dir>] [--seed <file>] [--regions <region,...>]';
let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string' }, 'data-dir': { type: 'string' }, seed: { type: 'string' }, regions: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
} catch (error) {
  console.error(`${error.message.split('. To specify')[0]}\n${USAGE}`);
  process.exit(2);
}
const { positionals, values } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
if (positionals.length !== 1 || positionals[0] !== 'start' || (values.port !== undefined && !/^\d+$/.test(values.port))) {
  console.error(USAGE);
  process.exit(2);
}
const { startKms } = await import('./launcher.mjs');
try {
  const kms = await startKms({
    port: values.port === undefined ? 0 : Number(values.port),
    dataDir: values['data-dir'],
    seed: values.seed,
    regions: values.regions?.split(',').map((r) => r.trim()).filter(Boolean),
  });
  console.log(JSON.stringify({ endpoint: kms.endpoint, region: kms.region, ...kms.credentials, dataDir: kms.dataDir }));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    kms.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  console.error(`kms-local could not start: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
