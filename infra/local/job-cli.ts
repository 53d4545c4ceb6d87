/**
 * `npm run job -- <rotation|deletion|expiry|all> [--now <ISO>] [--region <region>]`
 *
 * Runs a job once, "as of" --now (default: the real clock), inside the service that `npm start` runs
 * on the same data directory (KMS_DATA_DIR, default ./.kms-data), so a year of rotations or a 30-day
 * deletion window can be rehearsed in seconds. Without --region it runs in every region with a table.
 * Prints each region's report as a JSON line; exits 1 if any key failed.
 *
 * Ctrl-C stops waiting, not the job: it runs inside the service and finishes there (safely: each key is
 * one conditional write, and a run can be repeated); its report then goes unprinted, and it says so.
 */
import { adminRequest, parseCommandLine, runCommand } from './admin-client.js';

const USAGE = 'usage: npm run job -- <rotation|deletion|expiry|all> [--now <ISO-8601>] [--region <region>] [--data-dir <dir>]';

async function main(): Promise<number> {
  process.once('SIGINT', () => {
    console.error('\nInterrupted: the job goes on inside the service and finishes there (every key is one conditional write; running it again is safe). Its report is not shown.');
    process.exit(130);
  });
  const { positionals, values } = parseCommandLine(USAGE, {
    allowPositionals: true,
    options: { now: { type: 'string' }, region: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const job = positionals[0];
  if (!job || positionals.length > 1) {
    console.error(USAGE);
    return 2;
  }
  if (values.now !== undefined && Number.isNaN(Date.parse(values.now))) {
    console.error(`--now must be an ISO-8601 instant such as 2027-01-01T00:00:00Z, got '${values.now}'`);
    return 2;
  }
  const { status, body } = await adminRequest(`/!admin/jobs/${job}`, {
    dataDir: values['data-dir'],
    body: { now: values.now && new Date(values.now).toISOString(), region: values.region },
  });
  const reports = body.reports as { failures: unknown[] }[] | undefined;
  if (status !== 200 || !reports) {
    console.error((body.message as string | undefined) ?? `HTTP ${status}`);
    return 1;
  }
  for (const report of reports) console.log(JSON.stringify(report));
  return reports.some((report) => report.failures.length > 0) ? 1 : 0;
}

runCommand(main);
