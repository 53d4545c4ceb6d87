/**
 * `npm test`: typecheck, make sure the AWS CLI is there, start the local service (a child process on
 * free ports with a fresh data dir), run every unit, integration and compat test file against it with
 * node's test runner, stop the service whatever happens, exit with the test runner's code.
 *
 * The typecheck, the CLI check and the service start run concurrently: each takes seconds, and the
 * tests need all three. The output ends with the test runner's summary; the service's own output goes
 * to a log file whose path the tests get as KMS_SERVICE_LOG.
 *
 *   npm test -- FILE…  only these test files
 *   TEST_CONCURRENCY  test files run at once (default 4: they mostly wait on the service)
 *   KEEP_DATA=1       keep the temp data dir and log for a look afterwards
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants, createWriteStream, type WriteStream } from 'node:fs';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const AWS_CLI = '/usr/bin/aws';
const TEST_DIRS = ['tests/unit', 'tests/integration', 'tests/compat'];
const READY_TIMEOUT_MS = 120_000;

interface Service {
  child: ChildProcess;
  log: WriteStream;
  endpoint: string;
  dynamodbEndpoint: string;
}

const children = new Set<ChildProcess>();

async function main(): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'kms-test-'));
  const logPath = join(dataDir, 'service.log');
  const tableName = process.env.KMS_TABLE_NAME || 'kms';
  if (process.env.KEEP_DATA) console.log(`KEEP_DATA: ${dataDir} (data and service.log) stays after the run`);
  let service: Service | undefined;
  const interrupted = new Promise<number>((resolveInterrupt) => {
    // `on`, not `once`: a repeated signal (tsx relaying it, a second Ctrl-C) must not kill us mid-cleanup.
    let seen = false;
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.on(signal, () => {
        if (!seen) console.error(`\n${signal}: stopping the tests and the local service`);
        seen = true;
        resolveInterrupt(130);
      });
    }
  });
  try {
    const servicePromise = startService(dataDir, logPath, tableName);
    const results = await Promise.race([
      Promise.allSettled([typecheck(), ensureAwsCli(), servicePromise]),
      interrupted.then(() => undefined),
    ]);
    if (!results) return 130;
    service = await servicePromise.catch(() => undefined);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failures.length > 0) {
      for (const failure of failures) console.error(`\n✖ ${failure.reason instanceof Error ? failure.reason.message : failure.reason}`);
      return 1;
    }
    const files = await testFiles();
    if (files.length === 0) {
      console.log('no test files found');
      return 0;
    }
    const code = await Promise.race([runTests(files, service!, dataDir, logPath, tableName), interrupted]);
    return code;
  } finally {
    await stopAll(service?.child);
    if (service) await new Promise((r) => service!.log.end(r)); // flush the service's last lines
    if (!process.env.KEEP_DATA) await rm(dataDir, { recursive: true, force: true }).catch(() => {});
  }
}

/** `tsc --noEmit` over the project; its output is shown only when it fails. */
async function typecheck(): Promise<void> {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const { code, output } = await run(process.execPath, [tsc, '--noEmit', '-p', ROOT]);
  if (code !== 0) throw new Error(`typecheck failed (tsc --noEmit):\n${output.trimEnd()}`);
  console.log('✔ typecheck');
}

/** The compat tests call Debian's AWS CLI v2 at /usr/bin/aws explicitly (a pyenv shim may shadow it on PATH). */
async function ensureAwsCli(): Promise<void> {
  if (await executable(AWS_CLI)) return;
  console.log(`${AWS_CLI} is missing: installing Debian's awscli package`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', 'awscli']]) {
    const { code, output } = await run('apt-get', args, env);
    if (code !== 0) throw new Error(`apt-get ${args.join(' ')} failed:\n${output.trimEnd().split('\n').slice(-20).join('\n')}`);
  }
  if (!(await executable(AWS_CLI))) throw new Error(`awscli installed but ${AWS_CLI} is still missing`);
}

/**
 * Starts the service as `npm start` does (`infra/local/start.mjs`: the esbuild bundle of start.ts, as
 * Lambda runs its bundles) with ports 0 (free ports) and reads the endpoints it prints on stdout.
 */
async function startService(dataDir: string, logPath: string, tableName: string): Promise<Service> {
  const log = createWriteStream(logPath);
  const child = spawn(process.execPath, [join(ROOT, 'infra/local/start.mjs')], {
    cwd: ROOT,
    env: {
      ...process.env,
      KMS_PORT: '0',
      KMS_DYNAMODB_PORT: '0',
      KMS_HOST: '127.0.0.1',
      KMS_DATA_DIR: join(dataDir, 'kms-data'),
      KMS_TABLE_NAME: tableName,
      // Principals of two accounts (users, a role session, roots, one behind a VPC endpoint): tests/integration/principals.ts
      KMS_CREDENTIALS_FILE: join(ROOT, 'tests/fixtures/credentials.json'),
      LOG_LEVEL: 'DEBUG',
      // Two API worker processes (the default on a 2-core machine): every test also checks that a write
      // answered by one worker is what the next request sees, whichever worker answers it.
      KMS_WORKERS: '2',
      // Tests run the jobs themselves, "as of" chosen instants (tests/integration/jobs.ts); the timer stays off.
      KMS_JOB_INTERVAL_MS: '0',
      // The global table's regions, used only by the multi-region tests (tests/integration/regions.ts), so
      // that taking one down or replicating touches no other test file; recovery decrypts on.
      KMS_REGIONS: 'eu-west-3,eu-south-1,eu-south-2,ap-northeast-3',
      KMS_RECOVERY_DECRYPT: 'true',
      // Metrics (EMF lines in the service log) every second, for tests/integration/metrics.test.ts.
      POWERTOOLS_METRICS_DISABLED: 'false',
      KMS_METRICS_INTERVAL_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });

  return new Promise<Service>((resolveReady, reject) => {
    let stdout = '';
    let endpoint: string | undefined;
    const onData = (chunk: Buffer) => {
      stdout += chunk.toString();
      endpoint ??= /^KMS endpoint: (\S+)$/m.exec(stdout)?.[1];
      const dynamodbEndpoint = /^DynamoDB Local: (\S+)$/m.exec(stdout)?.[1];
      if (endpoint && dynamodbEndpoint) {
        done();
        console.log(`✔ local service at ${endpoint} (DynamoDB Local ${dynamodbEndpoint}, log ${logPath})`);
        resolveReady({ child, log, endpoint, dynamodbEndpoint });
      }
    };
    const onExit = async (code: number | null, signal: string | null) => {
      done();
      const tail = (await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-40).join('\n');
      reject(new Error(`the local service exited before it was ready (${code ?? signal}); end of ${logPath}:\n${tail}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`the local service was not ready within ${READY_TIMEOUT_MS / 1000} s (see ${logPath})`));
    }, READY_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Every test file, or just the ones named on the command line (`npm test -- tests/unit/x.test.ts`). */
async function testFiles(): Promise<string[]> {
  const named = process.argv.slice(2);
  if (named.length > 0) return named;
  const files: string[] = [];
  for (const dir of TEST_DIRS) {
    const entries = await readdir(join(ROOT, dir), { recursive: true }).catch(() => [] as string[]);
    for (const entry of entries) if (entry.endsWith('.test.ts')) files.push(join(dir, entry));
  }
  return files.sort();
}

function runTests(files: string[], service: Service, dataDir: string, logPath: string, tableName: string): Promise<number> {
  const concurrency = process.env.TEST_CONCURRENCY || '4';
  console.log(`running ${files.length} test files (concurrency ${concurrency})\n`);
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...files], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      KMS_ENDPOINT: service.endpoint,
      KMS_DYNAMODB_ENDPOINT: service.dynamodbEndpoint,
      KMS_TABLE_NAME: tableName,
      KMS_SERVICE_LOG: logPath,
      KMS_DATA_DIR: join(dataDir, 'kms-data'),
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      // The SDK's "Node 22 from 2027" notice, printed once per test process, drowns the report.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
      // The reporter's stdout is our pipe; keep its colours when ours is a terminal.
      ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: '1' } : {}),
    },
  });
  children.add(child);
  const output = summaryLast(child.stdout!);
  return new Promise((resolveCode) =>
    child.once('close', (code, signal) => {
      children.delete(child);
      output.flush();
      resolveCode(code ?? (signal ? 1 : 0));
    }),
  );
}

/**
 * Passes the spec reporter's output through, except that node 20 prints its "failing tests" list after
 * the summary: the summary block ("ℹ tests …" to "ℹ duration_ms …") is held back and printed last.
 */
function summaryLast(stream: NodeJS.ReadableStream) {
  const plain = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, '');
  let summary: string[] | undefined; // the held-back block, once it started
  let summaryDone = false;
  const afterSummary: string[] = [];
  const onLine = (line: string) => {
    if (!summary && /^ℹ tests \d+/.test(plain(line))) summary = [];
    if (!summary) process.stdout.write(line + '\n');
    else if (!summaryDone && plain(line).startsWith('ℹ ')) summary.push(line);
    else {
      summaryDone = true;
      afterSummary.push(line);
    }
  };
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    lines.forEach(onLine);
  });
  return {
    flush() {
      if (partial) onLine(partial);
      if (!summary) return;
      while (afterSummary.length > 0 && afterSummary[afterSummary.length - 1]!.trim() === '') afterSummary.pop();
      if (afterSummary.length > 0) process.stdout.write(afterSummary.join('\n') + '\n\n');
      process.stdout.write(summary.join('\n') + '\n');
    },
  };
}

/**
 * SIGTERM lets start.ts close its server and stop java; SIGKILL after a grace period (java then dies
 * through the launcher's watchdog). Other children (an interrupted test run, tsc, apt-get) are killed.
 */
async function stopAll(service: ChildProcess | undefined): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), child === service ? 10_000 : 3_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

function run(command: string, args: string[], env = process.env): Promise<{ code: number; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    child.once('error', (error) => {
      children.delete(child);
      resolveRun({ code: 127, output: `${command}: ${error.message}` });
    });
    child.once('close', (code) => {
      children.delete(child);
      resolveRun({ code: code ?? 1, output });
    });
  });
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    console.error(error);
    await stopAll(undefined);
    process.exit(1);
  },
);
