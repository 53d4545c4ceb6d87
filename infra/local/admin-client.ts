/**
 * How the local operator commands (`npm run job`, `npm run region`) reach the service that `npm start`
 * runs on the same data directory: its endpoint from `<dataDir>/runtime.json`, its admin token from
 * `<dataDir>/admin-token` (infra/local/admin.ts).
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { adminTokenPath, runtimeFilePath } from './admin.js';

export class AdminUnavailable extends Error {}

export async function adminRequest(
  path: string,
  options: { body?: unknown; method?: 'GET' | 'POST'; dataDir?: string } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const dataDir = resolve(options.dataDir ?? process.env.KMS_DATA_DIR ?? '.kms-data');
  const token = (await readFile(adminTokenPath(dataDir), 'utf8').catch(() => '')).trim();
  if (!token) throw new AdminUnavailable(`No admin token in ${dataDir}: start the service first (npm start) with the same KMS_DATA_DIR`);
  const runtime = await readFile(runtimeFilePath(dataDir), 'utf8').then((text) => JSON.parse(text) as { endpoint: string }, () => undefined);
  const endpoint = runtime?.endpoint ?? `http://${process.env.KMS_HOST || '127.0.0.1'}:${process.env.KMS_PORT || '4599'}`;
  let response: Response;
  try {
    response = await fetch(`${endpoint}${path}`, {
      method: options.method ?? 'POST',
      headers: { 'content-type': 'application/json', 'x-kms-admin-token': token },
      body: options.method === 'GET' ? undefined : JSON.stringify(options.body ?? {}),
    });
  } catch {
    throw new AdminUnavailable(`The service at ${endpoint} does not answer: is npm start running with KMS_DATA_DIR=${dataDir}?`);
  }
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Prints an admin route's answer: its JSON on stdout (exit 0), or its message on stderr (exit 1). */
export function printAdminResult(result: { status: number; body: Record<string, unknown> }): number {
  if (result.status !== 200) {
    console.error((result.body.message as string | undefined) ?? `HTTP ${result.status}`);
    return 1;
  }
  console.log(JSON.stringify(result.body, null, 2));
  return 0;
}

/**
 * The command line of an operator command: `--help` (or `-h`) prints the usage and exits 0; an unknown
 * or malformed option prints what is wrong and the usage and exits 2, instead of a stack trace.
 */
export function parseCommandLine<T extends ParseArgsConfig>(usage: string, config: T): ReturnType<typeof parseArgs<T>> {
  const args = config.args ?? process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    process.exit(0);
  }
  try {
    return parseArgs(config);
  } catch (error) {
    console.error(`${(error as Error).message.split('. To specify')[0]}\n${usage}`);
    process.exit(2);
  }
}

/** Runs an operator command's main and exits with its code; a service that is not running is said plainly. */
export function runCommand(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof AdminUnavailable ? error.message : error);
      process.exit(1);
    },
  );
}
