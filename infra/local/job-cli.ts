/**
 * `npm run job -- <rotation|deletion|expiry|all> [--now <ISO>] [--region <region>]`
 *
 * Runs a job once, "as of" --now (default: the real clock), inside the service that `npm start` runs
 * on the same data directory (KMS_DATA_DIR, default ./.kms-data), so a year of rotations or a 30-day
 * deletion window can be rehearsed in seconds. Without --region it runs in every region with a table.
 * Prints each region's report as a JSON line; exits 1 if any key failed.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { adminTokenPath, runtimeFilePath } from './admin.js';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { now: { type: 'string' }, region: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const job = positionals[0];
  if (!job || positionals.length > 1) {
    console.error('usage: npm run job -- <rotation|deletion|expiry|all> [--now <ISO-8601>] [--region <region>]');
    return 2;
  }
  if (values.now !== undefined && Number.isNaN(Date.parse(values.now))) {
    console.error(`--now must be an ISO-8601 instant such as 2027-01-01T00:00:00Z, got '${values.now}'`);
    return 2;
  }
  const dataDir = resolve(values['data-dir'] ?? process.env.KMS_DATA_DIR ?? '.kms-data');
  const token = (await readFile(adminTokenPath(dataDir), 'utf8').catch(() => '')).trim();
  if (!token) {
    console.error(`No admin token in ${dataDir}: start the service first (npm start) with the same KMS_DATA_DIR`);
    return 1;
  }
  const runtime = await readFile(runtimeFilePath(dataDir), 'utf8').then((text) => JSON.parse(text) as { endpoint: string }, () => undefined);
  const endpoint = runtime?.endpoint ?? `http://${process.env.KMS_HOST || '127.0.0.1'}:${process.env.KMS_PORT || '4599'}`;
  let response: Response;
  try {
    response = await fetch(`${endpoint}/!admin/jobs/${job}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-kms-admin-token': token },
      body: JSON.stringify({ now: values.now && new Date(values.now).toISOString(), region: values.region }),
    });
  } catch {
    console.error(`The service at ${endpoint} does not answer: is npm start running with KMS_DATA_DIR=${dataDir}?`);
    return 1;
  }
  const body = (await response.json()) as { reports?: { failures: unknown[] }[]; message?: string };
  if (!response.ok || !body.reports) {
    console.error(body.message ?? `HTTP ${response.status}`);
    return 1;
  }
  for (const report of body.reports) console.log(JSON.stringify(report));
  return body.reports.some((report) => report.failures.length > 0) ? 1 : 0;
}

main().then((code) => process.exit(code));
