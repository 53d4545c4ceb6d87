/**
 * `npm run bench`: the hot-path benchmark. It prints the expected run time first, progress on stderr,
 * then its report: the verdicts, one summary table (operation, req/s, p50, p99, ratio, verdict), and with
 * --verbose the details (CPU per answer, answers, errors, log lines, node:crypto's own speed).
 *
 * Servers, each its own child process (tests/bench/children.ts): the real service (`infra/local/start.mjs`, as `npm start`,
 * own temp data dir and free ports, default log level); the reference server (tests/bench/reference-server.ts:
 * SigV4 check with a cached signing key, JSON decode, AES-256-GCM with the context as AAD, JSON encode;
 * nothing else); a bare node:http server that parses nothing. autocannon drives them (32 connections)
 * with one request per target, built and signed once (tests/bench/targets.ts).
 *
 * The service runs as one process (KMS_WORKERS=1); a second one, with an API worker per core (the default),
 * serves the `encrypt-workers` target.
 *
 * Judged targets (issues 16 and 17): the single process's Encrypt and Decrypt of 1 KiB at >= 60% and >= 65%
 * of the reference's req/s with p99 < 10 ms; Encrypt through every core's worker at >= 100% of it; Encrypt
 * authorized through a policy condition (alice) or a grant (bob) at >= 80% of the key owner's Encrypt.
 * Those targets and their bases are loaded round-robin in short slices (each gets --duration in all, in
 * 3 rounds, each slice after half a second of the same load unmeasured: a warm key, not one the idle
 * time between slices let expire), so a change of the machine's speed weighs on all of them alike; their req/s, p50 and p99 are
 * the medians of their rounds (the p99 of all their latencies pooled is in the details), and every number
 * of theirs in the report (req/s, p50, p99, ratio, verdict) comes from that one run. The other targets (GenerateDataKey, Sign,
 * GenerateMac, the bare server) are measured alone; Sign and GenerateMac are compared with node:crypto
 * doing the same in this process right after.
 *
 * Exit code: 0 when every run completed with only 2xx answers and no errors (whatever the ratios: this
 * is a measurement), 1 when a run or the set-up failed.
 *
 * Options: --duration <s> (measured per target, default 9), --warmup <s> (default 2), --connections <n>
 *          (default 32), --only <names> (comma-separated, tests/bench/targets.ts TARGET_NAMES),
 *          --endpoint <url> (an already running service instead of starting one), --verbose,
 *          --steady <s> (default 30; 0 skips it): a steady Encrypt load on the warm service, after the rest,
 *          counting the store reads requests waited on (the caches' misses: none expected) and those made
 *          in the background ahead of expiry (`GET /!admin/stats`; only when the bench started the service).
 *
 * `npm run bench -- jobs` measures the scheduled jobs' reads (tests/bench/jobs-bench.ts),
 * `npm run bench -- replication` the local replicator's lag (tests/bench/replication-bench.ts), and
 * `npm run bench -- coldstart` the packaged API function's cold start (tests/bench/coldstart-bench.ts),
 * and `npm run bench -- profile` where a warm Encrypt's CPU goes (tests/bench/profile-bench.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Result } from 'autocannon';
import { adminTokenPath } from '../../infra/local/admin.js';
import { startChild, stopAll, type Child } from './children.js';
import { inProcessOpsPerSecond, load, percentile, sendOnce, type Target } from './load.js';
import { treeCpuSeconds } from './proc-cpu.js';
import { detailTable, duration, expectedSeconds, summaryLegend, summaryTable, verdictLines, verdictsOf, type Goal, type Row } from './report.js';
import { buildTargets, CONTEXT, IN_PROCESS_TARGETS, PLAINTEXT_BYTES, REGION, SERVICE_TARGETS, TARGET_NAMES } from './targets.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The issues' targets (17: the single process's Encrypt and Decrypt with p99 < 10 ms; every core's Encrypt). */
const GOALS: Goal[] = [
  { target: 'encrypt', base: 'reference', baseText: "the reference's req/s", baseShort: 'ref', min: 0.6, maxP99Ms: 10 },
  { target: 'decrypt', base: 'reference', baseText: "the reference's req/s", baseShort: 'ref', min: 0.65, maxP99Ms: 10 },
  { target: 'encrypt-workers', base: 'reference', baseText: "the single-process reference's req/s", baseShort: 'ref', min: 1.0 },
  { target: 'encrypt-policy', base: 'encrypt', baseText: "the owner's Encrypt", baseShort: 'owner', min: 0.8 },
  { target: 'encrypt-grant', base: 'encrypt', baseText: "the owner's Encrypt", baseShort: 'owner', min: 0.8 },
];
/** The targets loaded round-robin: every goal's target and base. */
const JUDGED = new Set(GOALS.flatMap((goal) => [goal.target, goal.base]));
/** Slices per judged target: each gets --duration seconds in this many slices. */
const ROUNDS = 3;
/**
 * Unmeasured load on a target just before each of its slices. Between two of a target's slices the others'
 * take about 15 s, longer than the key caches' TTL (5 s): without it a slice's first requests would wait
 * on reads of the key the idle time let expire, and the slice would measure an idle service waking up
 * instead of a warm key (the goals' load).
 */
const LEAD_IN_SECONDS = 0.5;
/** How long node:crypto is measured in process per compared target. */
const IN_PROCESS_SECONDS = 2;

interface Options {
  duration: number;
  warmup: number;
  connections: number;
  only?: Set<string>;
  endpoint?: string;
  verbose: boolean;
  /** Seconds of steady Encrypt load whose store reads are counted (0: none). */
  steady: number;
}

const USAGE = `usage: npm run bench -- [--duration s] [--warmup s] [--connections n] [--only ${TARGET_NAMES.join(',')}] [--endpoint url] [--steady s] [--verbose]
       npm run bench -- jobs [--keys n] [--due-percent p]
       npm run bench -- replication [--help]
       npm run bench -- coldstart [--runs n] [--against dir] [--store-warm-up s] [--cpu-prof dir]
       npm run bench -- profile [--duration s] [--warmup s] [--verbose] [--top n] [--save file]`;

function parseArgs(argv: string[]): Options {
  const options: Options = { duration: 9, warmup: 2, connections: 32, verbose: false, steady: 30 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--duration': options.duration = positive(flag, value()); break;
      case '--warmup': options.warmup = Number(value()); break;
      case '--connections': options.connections = positive(flag, value()); break;
      case '--only': {
        options.only = new Set(value().split(',').map((s) => s.trim()).filter(Boolean));
        const unknown = [...options.only].filter((name) => !TARGET_NAMES.includes(name));
        if (unknown.length > 0) throw new Error(`--only: unknown target ${unknown.join(', ')} (one of ${TARGET_NAMES.join(', ')})`);
        break;
      }
      case '--endpoint': options.endpoint = value(); break;
      case '--steady': {
        const seconds = value();
        options.steady = seconds === '0' ? 0 : positive(flag, seconds);
        break;
      }
      case '--verbose': case '-v': options.verbose = true; break;
      case '--help': case '-h':
        console.log(USAGE);
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  return options;
}

function positive(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number`);
  return n;
}

/** Progress goes to stderr (one rewritten line on a terminal), so stdout holds the report alone. */
function progressWriter(verbose: boolean): (text: string) => void {
  const overwrite = process.stderr.isTTY && !verbose;
  return (text) => process.stderr.write(overwrite ? `\r\x1b[K${text.slice(0, (process.stderr.columns ?? 100) - 1)}` : `${text}\n`);
}

/** One target's answers, summed over its runs (one run alone, or a slice per round). */
class Tally {
  answers = 0;
  /** Answers per second of each run (a round's slice, or the one run alone). */
  rates: number[] = [];
  non2xx = 0;
  errors = 0;
  statusCodes: Record<string, number> = {};
  latencies: Float64Array[] = [];
  cpuSeconds = 0;
  cpuKnown = true;
  logLines = 0;
  problems: string[] = [];
  probeFailure?: string;

  add(result: Result, latencies: Float64Array): void {
    this.answers += result['2xx'];
    if (result.duration > 0) this.rates.push(result['2xx'] / result.duration);
    this.non2xx += result.non2xx;
    this.errors += result.errors + result.timeouts;
    for (const [code, stat] of Object.entries(result.statusCodeStats)) this.statusCodes[code] = (this.statusCodes[code] ?? 0) + stat.count;
    this.latencies.push(latencies);
  }

  row(target: Target, interleaved: boolean, nodeOps?: number): Row {
    // Each round's percentiles, then their median (as req/s): a slice that met a busy machine moves it
    // no more than its req/s. The p99 of every latency pooled stays in the details.
    const rounds = this.latencies.map((part) => Float64Array.from(part).sort());
    const pooled = new Float64Array(this.latencies.reduce((n, l) => n + l.length, 0));
    let at = 0;
    for (const part of this.latencies) {
      pooled.set(part, at);
      at += part.length;
    }
    pooled.sort();
    const failure =
      this.probeFailure ??
      (this.non2xx || this.errors ? `${this.non2xx} non-2xx (${JSON.stringify(this.statusCodes)}), ${this.errors} errors or timeouts` : undefined);
    return {
      name: target.name,
      label: target.label,
      rps: median(this.rates),
      p50: median(rounds.map((round) => percentile(round, 50))),
      p99: median(rounds.map((round) => percentile(round, 99))),
      p99Pooled: percentile(pooled, 99),
      failure,
      baseline: target.baseline,
      nodeOps,
      cpuUsPerRequest: this.cpuKnown && this.answers > 0 ? (this.cpuSeconds * 1e6) / this.answers : undefined,
      total: this.answers,
      non2xx: this.non2xx,
      errors: this.errors,
      logLines: this.logLines,
      interleaved,
    };
  }
}

/** The median (the mean of the middle two of an even count); 0 of none. */
function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Loads a target for `seconds`, adding what it answered, the CPU its server used and what it logged. */
async function run(target: Target, tally: Tally, seconds: number, connections: number, logSource: Child | undefined): Promise<void> {
  const linesBefore = logSource?.lines ?? 0;
  const cpuBefore = target.pid === undefined ? undefined : treeCpuSeconds(target.pid);
  const { result, latencies } = await load(target, seconds, connections, true);
  const cpuAfter = target.pid === undefined ? undefined : treeCpuSeconds(target.pid);
  if (cpuBefore === undefined || cpuAfter === undefined) tally.cpuKnown = false;
  else tally.cpuSeconds += cpuAfter - cpuBefore;
  tally.logLines += (logSource?.lines ?? 0) - linesBefore;
  tally.add(result, latencies);
}

/** Sends the target's request once and checks the answer: a target that fails here is not loaded. */
async function probe(target: Target, tally: Tally): Promise<boolean> {
  const reply = await sendOnce(target.endpoint, target.request).catch((e: Error) => ({ status: 0, body: e.message }));
  if (reply.status !== 200) {
    tally.probeFailure = `probe answered ${reply.status}: ${reply.body.slice(0, 300)}`;
    return false;
  }
  if (!target.baseline) {
    try {
      tally.problems = target.check(JSON.parse(reply.body) as Record<string, unknown>);
    } catch (e) {
      tally.problems = [`response is not JSON: ${(e as Error).message}`];
    }
  }
  return true;
}

/** Waits (up to 60 s) until the process tree uses under 5% of a CPU over a second. */
async function settle(pid: number): Promise<number> {
  const started = Date.now();
  for (let i = 0; i < 60; i++) {
    const before = treeCpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = treeCpuSeconds(pid);
    if (before === undefined || after === undefined || after - before < 0.05) break;
  }
  return (Date.now() - started) / 1000;
}

interface ServiceStats {
  cacheReads: { miss: number; refresh: number };
  dynamodbReads: number;
}

/** The service's store-read counters (`GET /!admin/stats`, with the admin token of its data directory). */
async function serviceStats(endpoint: string, dataDir: string): Promise<ServiceStats | undefined> {
  try {
    const token = readFileSync(adminTokenPath(dataDir), 'utf8').trim();
    const response = await fetch(`${endpoint}/!admin/stats`, { headers: { 'x-kms-admin-token': token } });
    return response.ok ? ((await response.json()) as ServiceStats) : undefined;
  } catch {
    return undefined;
  }
}

// The SDK's notice that its 2027 releases need Node 22 is noise in a benchmark's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<number> {
  if (process.argv[2] === 'jobs') return (await import('./jobs-bench.js')).runJobsBench(process.argv.slice(3));
  if (process.argv[2] === 'replication') return (await import('./replication-bench.js')).runReplicationBench(process.argv.slice(3));
  if (process.argv[2] === 'coldstart') return (await import('./coldstart-bench.js')).runColdstartBench(process.argv.slice(3));
  if (process.argv[2] === 'profile') return (await import('./profile-bench.js')).runProfileBench(process.argv.slice(3));
  const options = parseArgs(process.argv.slice(2));
  const began = Date.now();
  const wanted = (name: string): boolean => !options.only || options.only.has(name);
  const names = TARGET_NAMES.filter(wanted);
  const needService = SERVICE_TARGETS.some(wanted);
  const progress = progressWriter(options.verbose);
  const plaintext = randomBytes(PLAINTEXT_BYTES);
  const rows: Row[] = [];
  const problems: string[] = [];
  let failed = false;
  let service: Child | undefined;
  let dataDir: string | undefined;
  let workers: Child | undefined;
  let workersDataDir: string | undefined;
  const workerCount = availableParallelism();

  const expected = expectedSeconds({
    interleaved: names.filter((n) => JUDGED.has(n)).length,
    alone: names.filter((n) => !JUDGED.has(n)).length,
    inProcess: names.filter((n) => IN_PROCESS_TARGETS.includes(n)).length,
    inProcessSeconds: IN_PROCESS_SECONDS,
    warmup: options.warmup,
    duration: options.duration,
    startsService: (needService || wanted('encrypt-workers')) && !options.endpoint,
    extraSeconds: (wanted('encrypt') && !options.endpoint ? options.steady : 0) + names.filter((n) => JUDGED.has(n)).length * ROUNDS * LEAD_IN_SECONDS,
  });
  console.log(`kms-local bench: ${names.length} targets, ${options.connections} connections, ${options.warmup} s warm-up + ${options.duration} s measured each; ` +
    `Encrypt/Decrypt of ${PLAINTEXT_BYTES} B with a ${Object.keys(CONTEXT).length}-pair encryption context`);
  console.log(`expected run time: about ${duration(expected)}`);
  const [load1] = loadavg();
  if (load1 !== undefined && load1 > 0.75) {
    console.log(`note: load average is ${load1.toFixed(2)} on ${cpus().length} CPUs before starting: other processes compete for the CPU, numbers will be noisy`);
  }

  try {
    // --- start the servers
    progress('starting the servers...');
    let reference: Child | undefined;
    let bare: Child | undefined;
    const starting: Array<Promise<unknown>> = [];
    const baseEnv = { ...process.env };
    if (wanted('reference')) {
      starting.push(startChild('reference server', 'tests/bench/reference-server.ts', [], { ...baseEnv, REF_PORT: '0', REF_REGION: REGION },
        /listening on (http:\/\/\S+)/, 30_000).then((c) => { reference = c; }));
    }
    if (wanted('bare')) {
      starting.push(startChild('bare http server', 'tests/bench/reference-server.ts', ['--bare'], { ...baseEnv, REF_PORT: '0' },
        /listening on (http:\/\/\S+)/, 30_000).then((c) => { bare = c; }));
    }
    let serviceEndpoint = options.endpoint?.replace(/\/+$/, '');
    if (needService && !serviceEndpoint) {
      dataDir = mkdtempSync(join(tmpdir(), 'kms-bench-'));
      const env: NodeJS.ProcessEnv = {
        ...baseEnv,
        KMS_PORT: '0', // free ports, chosen by the service (it prints the endpoint)
        KMS_HOST: '127.0.0.1',
        KMS_DATA_DIR: dataDir,
        KMS_DYNAMODB_PORT: '0',
        // Several principals, so Encrypt can be measured through a policy condition and through a grant.
        KMS_CREDENTIALS_FILE: join(ROOT, 'tests/fixtures/credentials.json'),
      };
      // The target is "logging at its default level": do not let the caller's shell change it.
      for (const name of ['LOG_LEVEL', 'POWERTOOLS_LOG_LEVEL', 'AWS_LAMBDA_LOG_LEVEL']) {
        if (env[name] !== undefined) console.log(`(ignoring ${name}=${env[name]}: the service runs at its default log level)`);
        delete env[name];
      }
      const started = Date.now();
      starting.push(startChild('service', 'infra/local/start.mjs', [], { ...env, KMS_WORKERS: '1' }, /KMS endpoint:\s*(http:\/\/\S+)/, 120_000).then((c) => {
        service = c;
        serviceEndpoint = c.url;
        progress(`service ready at ${c.url} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }));
    }
    if (wanted('encrypt-workers') && !options.endpoint) {
      workersDataDir = mkdtempSync(join(tmpdir(), 'kms-bench-workers-'));
      // Idle while the others are measured, so kept quiet: one region (no replication polling), no job timer.
      const env: NodeJS.ProcessEnv = {
        ...baseEnv, KMS_PORT: '0', KMS_HOST: '127.0.0.1', KMS_DATA_DIR: workersDataDir, KMS_DYNAMODB_PORT: '0',
        KMS_WORKERS: String(workerCount), KMS_REGIONS: REGION, KMS_JOB_INTERVAL_MS: '0',
      };
      for (const name of ['LOG_LEVEL', 'POWERTOOLS_LOG_LEVEL', 'AWS_LAMBDA_LOG_LEVEL']) delete env[name];
      starting.push(startChild('service (workers)', 'infra/local/start.mjs', [], env, /KMS endpoint:\s*(http:\/\/\S+)/, 120_000).then((c) => {
        workers = c;
      }));
    }
    await Promise.all(starting);

    const targets = await buildTargets({
      plaintext,
      wanted,
      serviceEndpoint: needService ? serviceEndpoint : undefined,
      servicePid: (service as Child | undefined)?.proc.pid,
      reference: reference && { url: reference.url, pid: reference.proc.pid },
      bare: bare && { url: bare.url, pid: bare.proc.pid },
      workers: workers && { url: workers.url, pid: workers.proc.pid, count: workerCount },
      note: (text) => (options.verbose ? console.log(text) : progress(text)),
    });
    // DynamoDB Local's JVM keeps compiling and collecting for a while after start-up; measuring before it
    // is idle would charge that to whichever service target runs first.
    for (const child of [service, workers]) {
      if (!child) continue;
      progress(`waiting for the ${child.name} to be idle...`);
      const waited = await settle(child.proc.pid!);
      if (options.verbose) console.log(`${child.name} idle after ${waited.toFixed(0)} s of settling`);
    }
    const logSourceOf = (target: Target) => [service, workers].find((child) => child !== undefined && target.endpoint === child.url);

    // --- probe every target; the ones that answer are measured
    const tallies = new Map(targets.map((t) => [t.name, new Tally()]));
    const live: Target[] = [];
    for (const target of targets) if (await probe(target, tallies.get(target.name)!)) live.push(target);

    // --- the judged targets and their bases: warmed up, then loaded round-robin
    const judged = live.filter((t) => JUDGED.has(t.name));
    const slice = options.duration / ROUNDS;
    if (options.warmup > 0) {
      for (const target of judged) {
        progress(`warming up ${target.label}`);
        await load(target, options.warmup, options.connections, false);
      }
    }
    for (let round = 1; round <= ROUNDS && judged.length > 0; round++) {
      for (const target of judged) {
        progress(`round ${round}/${ROUNDS}: ${target.label}`);
        await load(target, LEAD_IN_SECONDS, options.connections, false);
        await run(target, tallies.get(target.name)!, slice, options.connections, logSourceOf(target));
      }
    }

    // --- a steady Encrypt load on the warm service: its store reads (none should be awaited by a request)
    const steadyTarget = live.find((t) => t.name === 'encrypt');
    let steady: { rps: number; before: ServiceStats; after: ServiceStats } | undefined;
    if (steadyTarget && options.steady > 0 && dataDir && serviceEndpoint) {
      progress(`steady Encrypt load for ${options.steady} s`);
      // A second of the same load first: the other service's slice may have outlasted the caches' TTL here.
      await load(steadyTarget, 1, options.connections, false);
      const before = await serviceStats(serviceEndpoint, dataDir);
      const { result } = await load(steadyTarget, options.steady, options.connections, false);
      const after = await serviceStats(serviceEndpoint, dataDir);
      if (result.non2xx || result.errors || result.timeouts) {
        failed = true;
        problems.push(`FAILED run (steady Encrypt load): ${result.non2xx} non-2xx, ${result.errors + result.timeouts} errors or timeouts`);
      }
      if (before && after) steady = { rps: result['2xx'] / result.duration, before, after };
    }

    // --- the other targets, one at a time (and node:crypto in process right after, under the same load)
    const nodeOps = new Map<string, number>();
    for (const target of live.filter((t) => !JUDGED.has(t.name))) {
      if (options.warmup > 0) {
        progress(`warming up ${target.label}`);
        await load(target, options.warmup, options.connections, false);
      }
      progress(`measuring ${target.label}`);
      await run(target, tallies.get(target.name)!, options.duration, options.connections, logSourceOf(target));
      if (target.inProcess) {
        progress(`measuring node:crypto for ${target.label}`);
        nodeOps.set(target.name, inProcessOpsPerSecond(target.inProcess, IN_PROCESS_SECONDS));
      }
    }
    if (process.stderr.isTTY && !options.verbose) progress('');

    for (const target of targets) {
      const tally = tallies.get(target.name)!;
      const row = tally.row(target, JUDGED.has(target.name), nodeOps.get(target.name));
      rows.push(row);
      for (const p of tally.problems) problems.push(`response problem (${target.label}): ${p}`);
      if (row.failure) {
        failed = true;
        problems.push(`FAILED run (${target.label}): ${row.failure}`);
      }
    }

    // --- the report: verdicts, summary, then details
    const verdicts = verdictsOf(rows, GOALS);
    console.log('\nVerdicts');
    for (const line of verdictLines(verdicts)) console.log(`  ${line}`);
    console.log('\nSummary');
    for (const line of summaryTable(rows, verdicts)) console.log(`  ${line}`);
    for (const line of summaryLegend(rows, GOALS)) console.log(`  ${line}`);
    if (steady) {
      const delta = (of: (stats: ServiceStats) => number) => of(steady.after) - of(steady.before);
      console.log(`\nStore reads during a steady ${options.steady} s Encrypt load (${Math.round(steady.rps)} req/s): ` +
        `${delta((x) => x.cacheReads.miss)} awaited by requests, ${delta((x) => x.cacheReads.refresh)} in the background ahead of expiry ` +
        `(${delta((x) => x.dynamodbReads)} DynamoDB reads in all, the scheduled jobs' included)`);
    }
    if (problems.length > 0) console.log('');
    for (const line of problems) console.log(line);
    const logged = rows.filter((r) => !r.baseline).reduce((sum, r) => sum + (r.logLines ?? 0), 0);
    if (service && logged > 0) {
      console.log(`\nthe service logged ${logged} lines during the measured runs; last lines:\n    ${service.tail.slice(-3).join('\n    ')}`);
    }
    if (options.verbose) {
      console.log('\nDetails');
      for (const line of detailTable(rows)) console.log(`  ${line}`);
      console.log("  CPU us/req: user+system CPU time of the server's process tree (the service's includes DynamoDB Local) per answer.");
      console.log('  p99 pooled: the p99 of all rounds\' latencies together (the summary\'s p99 is the median of the rounds\' p99s).');
      console.log('  node ops/s: node:crypto doing the same operation in this process; overhead: 1/req/s - 1/ops/s, the service\'s time beyond the cryptography.');
    }
  } catch (error) {
    failed = true;
    console.error(`\nbench setup failed: ${(error as Error).stack ?? error}`);
  } finally {
    await stopAll();
    for (const dir of [dataDir, workersDataDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  }
  if ((needService || wanted('encrypt-workers')) && rows.length === 0) failed = true;
  const took = `took ${duration((Date.now() - began) / 1000)}, expected about ${duration(expected)}`;
  console.log(failed ? `\nbench: some runs FAILED (${took})` : `\nbench: all runs completed without errors (${took})${options.verbose ? '' : '; --verbose for details'}`);
  return failed ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  void stopAll().finally(() => process.exit(1));
});
