/**
 * `npm run bench`: the hot-path benchmark.
 *
 * Starts, each as its own child process (so none shares a CPU with the load generator's event loop):
 *   - the real service (`infra/local/start.ts`, own temp data dir and free ports, default log level),
 *   - the reference server (tests/bench/reference-server.ts: SigV4 check with a cached signing key,
 *     JSON decode, AES-256-GCM with the context as AAD, JSON encode; nothing else),
 *   - a bare node:http server that parses nothing (second baseline).
 * Then drives each with autocannon (32 connections): one request body per target, built and SigV4-signed
 * once, replayed unchanged. Each target is warmed up before it is measured. Prints requests/s and
 * p50/p99 latency per target and the ratio to the reference; the target of the issue is Encrypt and
 * Decrypt of 1 KiB at >= 50% of the reference's requests/s.
 *
 * The table's ratios use the mean of the reference's first and last runs, and a large difference
 * between them is reported (the machine's speed changed, e.g. other processes). Each server's CPU time
 * per answer (its whole process tree, from /proc) is reported too, with the reference's CPU/req over the
 * target's as a second, efficiency ratio. The verdicts, though, come from interleaved runs: the targets
 * compared are loaded round-robin in short slices, so a change of speed weighs on all of them alike.
 *
 * Encrypt is also measured for principals authorized through a policy condition (alice) and through a grant
 * (bob), each compared with the key owner's Encrypt (target >= 80%).
 *
 * Sign (ECC_NIST_P256 with ECDSA_SHA_256, RSA_2048 with RSASSA_PSS_SHA_256) and GenerateMac (HMAC_256) of
 * 1 KiB are compared with node:crypto doing the same operation in this process, measured for 2 s right
 * after the service's run: service req/s against node:crypto ops/s, and the service's cost per operation
 * beyond the cryptography itself (1/req/s - 1/ops/s, in microseconds). A row whose operation fails (Sign
 * not built yet, say) is reported as failed; the other rows still run.
 * Exit code: 0 when every run completed with only 2xx answers and no errors (whatever the ratios: this
 * is a measurement), 1 when a run or the setup failed.
 *
 * Options: --duration <s> (measured, default 9), --warmup <s> (default 2), --connections <n> (default 32),
 *          --only <names> (comma-separated: reference,encrypt,encrypt-policy,encrypt-grant,decrypt,generate-data-key,
 *                  sign-ecc,sign-rsa,generate-mac,bare),
 *          --endpoint <url> (use an already running service instead of starting one).
 *
 * `npm run bench -- jobs [--keys n] [--due-percent p]` measures the scheduled jobs instead: items read
 * per run against the keys due and the items stored (tests/bench/jobs-bench.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, createPublicKey, randomBytes, sign as cryptoSign, verify as cryptoVerify, constants as cryptoConstants, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateGrantCommand, CreateKeyCommand, DecryptCommand, EncryptCommand, GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import autocannon, { type Result } from 'autocannon';
import { credentialsOf, PRINCIPALS } from '../integration/principals.js';
import { treeCpuSeconds } from './proc-cpu.js';
import { signKmsRequest, type SignedKmsRequest } from '../support/sign.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const TARGET_RATIO = 0.5;
/** Encrypt authorized through a policy condition or a grant vs. Encrypt by the key owner. */
const AUTHZ_TARGET_RATIO = 0.8;
const PLAINTEXT_BYTES = 1024;
/** The rows compared with node:crypto in process (their --only names). */
const IN_PROCESS_ROWS = ['sign-ecc', 'sign-rsa', 'generate-mac'];
/** How long node:crypto is measured in process per row. */
const IN_PROCESS_SECONDS = 2;
const CONTEXT = { purpose: 'bench', tenant: 'acme-corp' };

interface Options {
  duration: number;
  warmup: number;
  connections: number;
  only?: Set<string>;
  endpoint?: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { duration: 9, warmup: 2, connections: 32 };
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
      case '--only': options.only = new Set(value().split(',').map((s) => s.trim()).filter(Boolean)); break;
      case '--endpoint': options.endpoint = value(); break;
      case '--help': case '-h':
        console.log('usage: npm run bench -- [--duration s] [--warmup s] [--connections n] [--only reference,encrypt,encrypt-policy,encrypt-grant,decrypt,generate-data-key,sign-ecc,sign-rsa,generate-mac,bare] [--endpoint url]');
        process.exit(0);
      // eslint-disable-next-line no-fallthrough
      default: throw new Error(`unknown option ${flag}`);
    }
  }
  return options;
}

function positive(flag: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} must be a positive number`);
  return n;
}

// ---------------------------------------------------------------------------------------------------
// Child processes

interface Child {
  name: string;
  proc: ChildProcess;
  url: string;
  /** Output lines seen so far (stdout + stderr). */
  lines: number;
  bytes: number;
  tail: string[];
  stop(): Promise<void>;
}

const children: Child[] = [];

/** Spawns `node --import tsx <script>` in its own process group and waits for `ready` on its output. */
function startChild(name: string, script: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs: number): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => proc.once('exit', () => { exited = true; resolve(); }));
  const child: Child = {
    name,
    proc,
    url: '',
    lines: 0,
    bytes: 0,
    tail: [],
    async stop() {
      if (exited || proc.pid === undefined) return;
      const signalGroup = (signal: NodeJS.Signals): void => {
        try { process.kill(-proc.pid!, signal); } catch { /* already gone */ }
      };
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), 5000);
      await exitedPromise;
      clearTimeout(timer);
      // The service may have children of its own (DynamoDB Local): make sure the group is gone.
      signalGroup('SIGKILL');
    },
  };
  children.push(child);

  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      reject(new Error(`${name} did not become ready within ${timeoutMs / 1000}s; last output:\n${child.tail.join('\n')}`));
    }, timeoutMs);
    const onLine = (line: string): void => {
      child.lines++;
      child.bytes += line.length + 1;
      child.tail.push(line);
      if (child.tail.length > 30) child.tail.shift();
      if (!settled) {
        const match = ready.exec(line);
        if (match?.[1]) {
          settled = true;
          clearTimeout(timer);
          child.url = match[1].replace(/\/+$/, '');
          resolve(child);
        }
      }
    };
    for (const stream of [proc.stdout!, proc.stderr!]) {
      let buffered = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          onLine(buffered.slice(0, nl));
          buffered = buffered.slice(nl + 1);
        }
      });
    }
    proc.once('error', (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    });
    proc.once('exit', (code, signal) => {
      if (settled) {
        if (!stopping) console.error(`\n!! ${name} exited unexpectedly (code ${code}, signal ${signal}); last output:\n${child.tail.join('\n')}`);
        return;
      }
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}, signal ${signal}) before it was ready; last output:\n${child.tail.join('\n')}`));
    });
  });
}

let stopping = false;
async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(children.map((c) => c.stop()));
}

// ---------------------------------------------------------------------------------------------------
// Requests

interface Reply {
  status: number;
  body: string;
}

/** Sends the exact bytes autocannon will replay, once, to check the answer before loading. */
function sendOnce(endpoint: string, signed: SignedKmsRequest): Promise<Reply> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: signed.method, path: signed.path, headers: signed.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(signed.body);
  });
}

interface Target {
  name: string;
  label: string;
  endpoint: string;
  request: SignedKmsRequest;
  /** Checks a 200 body; returns problems found (empty when fine). */
  check(body: Record<string, unknown>): string[];
  baseline?: boolean;
  /** The server's process (its CPU time, with its descendants', is measured per run). */
  pid?: number;
  /** The same operation done by node:crypto in this process, measured right after the target's run. */
  inProcess?: () => void;
}

interface Measurement {
  target: Target;
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  logLines: number;
  logBytes: number;
  /** Server CPU (user + system, whole process tree) per 2xx answer, in microseconds. */
  cpuUsPerRequest: number;
  failure?: string;
  problems: string[];
}

/** Operations per second of `op` run synchronously in this process for `seconds` (after a short warm-up). */
function inProcessOpsPerSecond(op: () => void, seconds: number): number {
  const until = (ns: bigint): number => {
    let count = 0;
    const end = process.hrtime.bigint() + ns;
    // Read the clock every 16 operations: a clock read costs about as much as a fast HMAC.
    do {
      for (let i = 0; i < 16; i++) op();
      count += 16;
    } while (process.hrtime.bigint() < end);
    return count;
  };
  until(200_000_000n);
  const started = process.hrtime.bigint();
  const count = until(BigInt(Math.round(seconds * 1e9)));
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

function b64(value: unknown): Buffer | undefined {
  return typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

async function load(target: Target, seconds: number, connections: number, recordLatency: boolean): Promise<{ result: Result; latencies: Float64Array }> {
  let latencies = new Float64Array(recordLatency ? 1 << 20 : 0);
  let count = 0;
  const instance = autocannon({
    url: target.endpoint,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    method: target.request.method,
    headers: target.request.headers,
    body: target.request.body,
  });
  if (recordLatency) {
    // autocannon's own histogram has 1 ms resolution; keep exact response times of 2xx answers.
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (statusCode < 200 || statusCode >= 300) return;
      if (count === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[count++] = responseTime;
    });
  }
  const result = await instance;
  return { result, latencies: latencies.subarray(0, count).sort() };
}

async function measure(target: Target, options: Options, logSource: Child | undefined): Promise<Measurement> {
  const measurement: Measurement = {
    target, rps: 0, p50: NaN, p99: NaN, total: 0, non2xx: 0, errors: 0, timeouts: 0, statusCodes: {}, logLines: 0, logBytes: 0, cpuUsPerRequest: NaN, problems: [],
  };
  process.stdout.write(`  ${target.label.padEnd(28)} `);
  const reply = await sendOnce(target.endpoint, target.request).catch((e: Error) => ({ status: 0, body: e.message }));
  if (reply.status !== 200) {
    measurement.failure = `probe answered ${reply.status}: ${reply.body.slice(0, 300)}`;
    console.log(`FAILED (${measurement.failure})`);
    return measurement;
  }
  if (!target.baseline) {
    try {
      measurement.problems = target.check(JSON.parse(reply.body) as Record<string, unknown>);
    } catch (e) {
      measurement.problems = [`response is not JSON: ${(e as Error).message}`];
    }
  }
  if (options.warmup > 0) {
    process.stdout.write('warming up... ');
    const warm = await load(target, options.warmup, options.connections, false);
    if (warm.result.errors || warm.result.non2xx || warm.result.timeouts) {
      process.stdout.write(`(warm-up: ${warm.result.non2xx} non-2xx, ${warm.result.errors} errors) `);
    }
  }
  process.stdout.write('measuring... ');
  const linesBefore = logSource?.lines ?? 0;
  const bytesBefore = logSource?.bytes ?? 0;
  const cpuBefore = treeCpuSeconds(target.pid);
  const { result, latencies } = await load(target, options.duration, options.connections, true);
  const cpuAfter = treeCpuSeconds(target.pid);
  if (cpuBefore !== undefined && cpuAfter !== undefined && result['2xx'] > 0) {
    measurement.cpuUsPerRequest = ((cpuAfter - cpuBefore) * 1e6) / result['2xx'];
  }
  measurement.logLines = (logSource?.lines ?? 0) - linesBefore;
  measurement.logBytes = (logSource?.bytes ?? 0) - bytesBefore;
  measurement.total = result['2xx'];
  measurement.rps = result.requests.average;
  measurement.p50 = percentile(latencies, 50);
  measurement.p99 = percentile(latencies, 99);
  measurement.non2xx = result.non2xx;
  measurement.errors = result.errors;
  measurement.timeouts = result.timeouts;
  for (const [code, stat] of Object.entries(result.statusCodeStats)) measurement.statusCodes[code] = stat.count;
  if (measurement.non2xx || measurement.errors || measurement.timeouts) {
    measurement.failure = `${measurement.non2xx} non-2xx (${JSON.stringify(measurement.statusCodes)}), ${measurement.errors} errors, ${measurement.timeouts} timeouts`;
  }
  console.log(`${Math.round(measurement.rps)} req/s${measurement.failure ? `  FAILED: ${measurement.failure}` : ''}`);
  return measurement;
}

// ---------------------------------------------------------------------------------------------------

/**
 * Requests/s of several targets measured round-robin in short slices, so that a change of the machine's
 * speed during the run (frequent on shared machines) weighs on all of them alike. For ratios between
 * targets of the same server.
 */
async function interleaved(targets: Target[], rounds: number, seconds: number, connections: number): Promise<Map<string, number | undefined>> {
  const totals = new Map(targets.map((t) => [t.name, { answers: 0, failed: false }]));
  for (let round = 0; round < rounds; round++) {
    for (const target of targets) {
      const { result } = await load(target, seconds, connections, false);
      const total = totals.get(target.name)!;
      total.answers += result['2xx'];
      if (result.non2xx || result.errors || result.timeouts) total.failed = true;
    }
  }
  return new Map([...totals].map(([name, t]) => [name, t.failed ? undefined : t.answers / (rounds * seconds)]));
}

/** Waits (up to 60 s) until the process tree uses under 5% of a CPU over a second. */
async function settle(pid: number): Promise<void> {
  const started = Date.now();
  for (let i = 0; i < 60; i++) {
    const before = treeCpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = treeCpuSeconds(pid);
    if (before === undefined || after === undefined || after - before < 0.05) break;
  }
  console.log(`service idle after ${((Date.now() - started) / 1000).toFixed(0)} s of settling`);
}

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function printTable(rows: Measurement[], referenceRps: number, referenceCpu: number): void {
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'vs reference', 'CPU us/req', 'CPU vs ref', 'requests', 'non-2xx', 'errors', 'log lines'];
  const body = rows.map((m) => [
    m.target.label,
    m.failure && m.total === 0 ? '-' : String(Math.round(m.rps)),
    fmt(m.p50),
    fmt(m.p99),
    referenceRps > 0 && m.rps > 0 ? `${(m.rps / referenceRps * 100).toFixed(1)}%` : '-',
    fmt(m.cpuUsPerRequest, 0),
    referenceCpu > 0 && m.cpuUsPerRequest > 0 ? `${(referenceCpu / m.cpuUsPerRequest * 100).toFixed(1)}%` : '-',
    String(m.total),
    String(m.non2xx),
    String(m.errors + m.timeouts),
    m.target.baseline ? '-' : String(m.logLines),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
}

/**
 * The service against node:crypto doing the same operation in this process: the ratio of their rates, and
 * the service's time per operation beyond the cryptography (1/req/s - 1/ops/s). The service spreads its
 * work over more than one CPU (DynamoDB Local, libuv threads) but signs on one thread, as this process does.
 */
function printInProcessComparison(rows: Measurement[], inProcessOps: Map<string, number>): void {
  const compared = rows.filter((m) => inProcessOps.has(m.target.name));
  if (compared.length === 0) return;
  const header = ['operation', 'service req/s', 'node:crypto ops/s', 'service/node', 'overhead us/op', 'service CPU us/req', 'node us/op'];
  const body = compared.map((m) => {
    const ops = inProcessOps.get(m.target.name)!;
    const ok = !m.failure && m.rps > 0;
    return [
      m.target.label.replace(/^service /, ''),
      ok ? String(Math.round(m.rps)) : 'FAILED',
      String(Math.round(ops)),
      ok ? `${(m.rps / ops * 100).toFixed(1)}%` : '-',
      ok ? fmt(1e6 / m.rps - 1e6 / ops, 1) : '-',
      ok ? fmt(m.cpuUsPerRequest, 0) : '-',
      fmt(1e6 / ops, 1),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(`service vs node:crypto in process (${IN_PROCESS_SECONDS} s each, same message of ${PLAINTEXT_BYTES} B):`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of body) console.log(line(r));
  console.log('');
}

// The SDK's notice that its 2027 releases need Node 22 is noise in a benchmark's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<number> {
  // `npm run bench -- jobs`: what the scheduled jobs read (tests/bench/jobs-bench.ts).
  if (process.argv[2] === 'jobs') return (await import('./jobs-bench.js')).runJobsBench(process.argv.slice(3));
  // `npm run bench -- replication`: the local global-table replicator's lag (tests/bench/replication-bench.ts).
  if (process.argv[2] === 'replication') return (await import('./replication-bench.js')).runReplicationBench(process.argv.slice(3));
  const options = parseArgs(process.argv.slice(2));
  const wanted = (name: string): boolean => !options.only || options.only.has(name);
  const needService = ['encrypt', 'decrypt', 'generate-data-key', 'encrypt-policy', 'encrypt-grant', ...IN_PROCESS_ROWS].some(wanted);
  const plaintext = randomBytes(PLAINTEXT_BYTES);
  const measurements: Measurement[] = [];
  let failed = false;
  let service: Child | undefined;
  let dataDir: string | undefined;

  console.log(`kms-local bench: ${options.connections} connections, ${options.warmup}s warm-up + ${options.duration}s per target, ` +
    `Encrypt/Decrypt of ${PLAINTEXT_BYTES} B with a ${Object.keys(CONTEXT).length}-pair encryption context`);
  const [load1] = loadavg();
  if (load1 !== undefined && load1 > 0.75) {
    console.log(`note: load average is ${load1.toFixed(2)} on ${cpus().length} CPUs before starting: other processes compete for the CPU, numbers will be noisy`);
  }
  console.log('');

  try {
    // --- start everything
    const starting: Array<Promise<unknown>> = [];
    let reference: Child | undefined;
    let bare: Child | undefined;
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
      starting.push(startChild('service', 'infra/local/start.ts', [], env, /KMS endpoint:\s*(http:\/\/\S+)/, 120_000).then((c) => {
        service = c;
        serviceEndpoint = c.url;
        console.log(`service ready at ${c.url} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      }));
    }
    await Promise.all(starting);

    // --- build and sign every request once
    const targets: Target[] = [];
    const plaintextB64 = plaintext.toString('base64');
    let keyArn = `arn:aws:kms:${REGION}:111122223333:key/00000000-0000-4000-8000-000000000000`;
    let ciphertextB64 = '';
    let policyKeyArn = '';
    let grantKeyArn = '';
    let macKeyArn = '';
    // Sign rows: the service's Sign and node:crypto's sign of the same message with a local key of the same
    // kind (RSA PSS with a salt as long as the digest, as AWS signs).
    const asymmetricRows: Array<{
      name: string; label: string; keySpec: 'ECC_NIST_P256' | 'RSA_2048'; algorithm: string; keyArn: string; publicKey?: KeyObject;
      local: { privateKey: KeyObject }; options: { padding?: number; saltLength?: number };
    }> = [
      { name: 'sign-ecc', label: 'service Sign ECC_NIST_P256', keySpec: 'ECC_NIST_P256', algorithm: 'ECDSA_SHA_256', keyArn: '',
        local: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), options: {} },
      { name: 'sign-rsa', label: 'service Sign RSA_2048 PSS', keySpec: 'RSA_2048', algorithm: 'RSASSA_PSS_SHA_256', keyArn: '',
        local: generateKeyPairSync('rsa', { modulusLength: 2048 }), options: { padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } },
    ];
    if (serviceEndpoint && needService) {
      const kms = new KMSClient({ endpoint: serviceEndpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
      const created = await kms.send(new CreateKeyCommand({ Description: 'bench key' }));
      const arn = created.KeyMetadata?.Arn;
      if (!arn || !created.KeyMetadata?.KeyId) throw new Error(`CreateKey returned no KeyMetadata.Arn/KeyId: ${JSON.stringify(created.KeyMetadata)}`);
      keyArn = arn;
      const encrypted = await kms.send(new EncryptCommand({ KeyId: keyArn, Plaintext: plaintext, EncryptionContext: CONTEXT }));
      if (!encrypted.CiphertextBlob) throw new Error('Encrypt returned no CiphertextBlob');
      ciphertextB64 = Buffer.from(encrypted.CiphertextBlob).toString('base64');
      const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: CONTEXT }));
      if (!decrypted.Plaintext || !Buffer.from(decrypted.Plaintext).equals(plaintext)) throw new Error('SDK Decrypt did not return the plaintext');
      // Keys whose policy admits only the root unconditionally: alice through an encryption-context
      // condition, bob through a grant.
      const rootArn = PRINCIPALS.root.arn;
      const rootOnly = { Effect: 'Allow', Principal: { AWS: rootArn }, Action: 'kms:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalArn': rootArn } } };
      const conditional = { Effect: 'Allow', Principal: { AWS: PRINCIPALS.alice.arn }, Action: 'kms:Encrypt', Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:purpose': CONTEXT.purpose } } };
      const policyKey = await kms.send(new CreateKeyCommand({ Description: 'bench policy key', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [rootOnly, conditional] }) }));
      policyKeyArn = policyKey.KeyMetadata!.Arn!;
      const grantKey = await kms.send(new CreateKeyCommand({ Description: 'bench grant key', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [rootOnly] }) }));
      grantKeyArn = grantKey.KeyMetadata!.Arn!;
      await kms.send(new CreateGrantCommand({ KeyId: grantKeyArn, GranteePrincipal: PRINCIPALS.bob.arn, Operations: ['Encrypt'] }));
      for (const row of asymmetricRows.filter((r) => wanted(r.name))) {
        const key = await kms.send(new CreateKeyCommand({ Description: `bench ${row.name} key`, KeySpec: row.keySpec, KeyUsage: 'SIGN_VERIFY' }));
        row.keyArn = key.KeyMetadata!.Arn!;
        // The public key lets the bench check the service's signature; if GetPublicKey fails, the check is skipped.
        try {
          const out = await kms.send(new GetPublicKeyCommand({ KeyId: row.keyArn }));
          if (out.PublicKey) row.publicKey = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
        } catch (error) {
          console.log(`note: GetPublicKey of the ${row.name} key failed (${(error as Error).name}); its signatures are not verified`);
        }
      }
      if (wanted('generate-mac')) {
        const key = await kms.send(new CreateKeyCommand({ Description: 'bench HMAC key', KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
        macKeyArn = key.KeyMetadata!.Arn!;
      }
      kms.destroy();
      console.log(`key ${keyArn}; ciphertext of ${PLAINTEXT_BYTES} B plaintext is ${encrypted.CiphertextBlob.length} B`);
    }
    const encryptInput = { KeyId: keyArn, Plaintext: plaintextB64, EncryptionContext: CONTEXT };
    const sign = (endpoint: string, operation: string, input: unknown): Promise<SignedKmsRequest> =>
      signKmsRequest({ endpoint, operation, input, region: REGION, ...CREDENTIALS });

    const checkKeyId = (body: Record<string, unknown>): string[] =>
      body.KeyId === keyArn ? [] : [`KeyId is ${JSON.stringify(body.KeyId)}, expected the key ARN ${keyArn}`];
    const checkAlgorithm = (body: Record<string, unknown>): string[] =>
      body.EncryptionAlgorithm === 'SYMMETRIC_DEFAULT' ? [] : [`EncryptionAlgorithm is ${JSON.stringify(body.EncryptionAlgorithm)}`];
    const checkEncrypt = (body: Record<string, unknown>): string[] => [
      ...(b64(body.CiphertextBlob)?.length ? [] : ['no CiphertextBlob']),
      ...checkKeyId(body),
      ...checkAlgorithm(body),
    ];

    if (reference) {
      targets.push({ name: 'reference', label: 'reference Encrypt 1 KiB', endpoint: reference.url, request: await sign(reference.url, 'Encrypt', encryptInput), check: checkEncrypt, baseline: true, pid: reference.proc.pid });
    }
    const servicePid = (service as Child | undefined)?.proc.pid;
    if (serviceEndpoint) {
      if (wanted('encrypt')) {
        targets.push({ name: 'encrypt', label: 'service Encrypt 1 KiB', endpoint: serviceEndpoint, pid: servicePid, request: await sign(serviceEndpoint, 'Encrypt', encryptInput), check: checkEncrypt });
      }
      const signAs = (name: 'alice' | 'bob', input: unknown): Promise<SignedKmsRequest> =>
        signKmsRequest({ endpoint: serviceEndpoint!, operation: 'Encrypt', input, region: REGION, ...credentialsOf(name) });
      if (wanted('encrypt-policy')) {
        targets.push({
          name: 'encrypt-policy', label: 'Encrypt via policy condition', endpoint: serviceEndpoint, pid: servicePid,
          request: await signAs('alice', { ...encryptInput, KeyId: policyKeyArn }),
          check: (body) => (body.KeyId === policyKeyArn ? [] : [`KeyId is ${JSON.stringify(body.KeyId)}`]),
        });
      }
      if (wanted('encrypt-grant')) {
        targets.push({
          name: 'encrypt-grant', label: 'Encrypt via grant', endpoint: serviceEndpoint, pid: servicePid,
          request: await signAs('bob', { ...encryptInput, KeyId: grantKeyArn }),
          check: (body) => (body.KeyId === grantKeyArn ? [] : [`KeyId is ${JSON.stringify(body.KeyId)}`]),
        });
      }
      if (wanted('decrypt')) {
        targets.push({
          name: 'decrypt', label: 'service Decrypt 1 KiB', endpoint: serviceEndpoint, pid: servicePid,
          request: await sign(serviceEndpoint, 'Decrypt', { CiphertextBlob: ciphertextB64, EncryptionContext: CONTEXT }),
          check: (body) => [
            ...(b64(body.Plaintext)?.equals(plaintext) ? [] : ['Plaintext does not match what was encrypted']),
            ...checkKeyId(body),
            ...checkAlgorithm(body),
          ],
        });
      }
      if (wanted('generate-data-key')) {
        targets.push({
          name: 'generate-data-key', label: 'service GenerateDataKey', endpoint: serviceEndpoint, pid: servicePid,
          request: await sign(serviceEndpoint, 'GenerateDataKey', { KeyId: keyArn, KeySpec: 'AES_256', EncryptionContext: CONTEXT }),
          check: (body) => [
            ...(b64(body.Plaintext)?.length === 32 ? [] : [`Plaintext is not 32 bytes (${b64(body.Plaintext)?.length})`]),
            ...(b64(body.CiphertextBlob)?.length ? [] : ['no CiphertextBlob']),
            ...checkKeyId(body),
          ],
        });
      }
      for (const row of asymmetricRows.filter((r) => wanted(r.name))) {
        const local = { key: row.local.privateKey, ...row.options };
        targets.push({
          name: row.name, label: row.label, endpoint: serviceEndpoint, pid: servicePid,
          request: await sign(serviceEndpoint, 'Sign', { KeyId: row.keyArn, Message: plaintextB64, MessageType: 'RAW', SigningAlgorithm: row.algorithm }),
          check: (body) => {
            const signature = b64(body.Signature);
            return [
              ...(signature?.length ? [] : ['no Signature']),
              ...(body.KeyId === row.keyArn ? [] : [`KeyId is ${JSON.stringify(body.KeyId)}, expected ${row.keyArn}`]),
              ...(body.SigningAlgorithm === row.algorithm ? [] : [`SigningAlgorithm is ${JSON.stringify(body.SigningAlgorithm)}`]),
              ...(signature && row.publicKey && !cryptoVerify('sha256', plaintext, { key: row.publicKey, ...row.options }, signature)
                ? ['the signature does not verify with the key\'s public key'] : []),
            ];
          },
          inProcess: () => { cryptoSign('sha256', plaintext, local); },
        });
      }
      if (wanted('generate-mac')) {
        const localKey = randomBytes(32);
        targets.push({
          name: 'generate-mac', label: 'service GenerateMac HMAC_256', endpoint: serviceEndpoint, pid: servicePid,
          request: await sign(serviceEndpoint, 'GenerateMac', { KeyId: macKeyArn, Message: plaintextB64, MacAlgorithm: 'HMAC_SHA_256' }),
          check: (body) => [
            ...(b64(body.Mac)?.length === 32 ? [] : [`Mac is not 32 bytes (${b64(body.Mac)?.length})`]),
            ...(body.KeyId === macKeyArn ? [] : [`KeyId is ${JSON.stringify(body.KeyId)}, expected ${macKeyArn}`]),
            ...(body.MacAlgorithm === 'HMAC_SHA_256' ? [] : [`MacAlgorithm is ${JSON.stringify(body.MacAlgorithm)}`]),
          ],
          inProcess: () => { createHmac('sha256', localKey).update(plaintext).digest(); },
        });
      }
    }
    if (bare) {
      targets.push({ name: 'bare', label: 'bare node:http (no parsing)', endpoint: bare.url, request: await sign(bare.url, 'Encrypt', encryptInput), check: () => [], baseline: true, pid: bare.proc.pid });
    }
    // The reference once more at the end: if the machine's load changed during the run, the two differ.
    const first = targets[0];
    if (first?.name === 'reference' && targets.length > 2) targets.push({ ...first, name: 'reference-again', label: 'reference Encrypt (again)' });

    // DynamoDB Local's JVM keeps compiling and collecting for a while after start-up; measuring before it
    // is idle would charge that to whichever service target runs first.
    if (service) await settle(service.proc.pid!);

    // --- measure, one target at a time
    console.log('');
    const inProcessOps = new Map<string, number>();
    for (const target of targets) {
      const m = await measure(target, options, target.endpoint === service?.url ? service : undefined);
      measurements.push(m);
      if (m.failure) failed = true;
      if (target.inProcess) {
        // Right after the service's run, under the same machine load; the service is idle meanwhile.
        const ops = inProcessOpsPerSecond(target.inProcess, IN_PROCESS_SECONDS);
        inProcessOps.set(target.name, ops);
        console.log(`  ${`node:crypto (in process)`.padEnd(28)} ${Math.round(ops)} ops/s`);
      }
    }

    // --- report
    const refRuns = measurements.filter((m) => m.target.name.startsWith('reference') && !m.failure);
    const refRps = refRuns.length ? refRuns.reduce((sum, m) => sum + m.rps, 0) / refRuns.length : 0;
    const refCpuRuns = refRuns.filter((m) => Number.isFinite(m.cpuUsPerRequest));
    const refCpu = refCpuRuns.length ? refCpuRuns.reduce((sum, m) => sum + m.cpuUsPerRequest, 0) / refCpuRuns.length : 0;
    console.log('');
    printTable(measurements, refRps, refCpu);
    console.log('');
    printInProcessComparison(measurements, inProcessOps);
    console.log('CPU us/req: user+system CPU time of the server\'s process tree (the service\'s includes DynamoDB Local) per answer;');
    console.log('"CPU vs ref": the reference\'s CPU/req divided by the target\'s. Both ratios need a quiet machine to mean much.');
    if (refRuns.length === 2) {
      const drift = Math.abs(refRuns[0]!.rps - refRuns[1]!.rps) / refRps;
      console.log(`reference: ${Math.round(refRuns[0]!.rps)} then ${Math.round(refRuns[1]!.rps)} req/s; ratios use the mean (${Math.round(refRps)})` +
        (drift > 0.15 ? `: they differ by ${(drift * 100).toFixed(0)}%, the machine's load changed during the run, ratios are unreliable` : ''));
    }
    for (const m of measurements) {
      for (const p of m.problems) console.log(`response problem (${m.target.label}): ${p}`);
      if (m.failure) console.log(`FAILED run (${m.target.label}): ${m.failure}`);
    }
    if (service) {
      const logged = measurements.filter((m) => !m.target.baseline).reduce((s, m) => s + m.logLines, 0);
      console.log(`service log output during the measured runs: ${logged} lines` +
        (logged > 0 ? `; last lines:\n    ${service.tail.slice(-3).join('\n    ')}` : ''));
    }
    // The verdicts come from round-robin runs (see interleaved()): the service against the reference,
    // and Encrypt through a policy condition or a grant against the owner's Encrypt.
    const verdicts: Array<{ group: string[]; base: string; ratio: number; of: string }> = [
      { group: ['reference', 'encrypt', 'decrypt'], base: 'reference', ratio: TARGET_RATIO, of: "the reference's requests/s" },
      { group: ['encrypt', 'encrypt-policy', 'encrypt-grant'], base: 'encrypt', ratio: AUTHZ_TARGET_RATIO, of: "the owner's Encrypt" },
    ];
    for (const verdict of verdicts) {
      const group = verdict.group.map((name) => targets.find((t) => t.name === name));
      if (!group.every((t): t is Target => t !== undefined)) continue;
      const rounds = 4;
      const slice = Math.max(1, Math.round(options.duration / 4));
      console.log(`\ninterleaved: ${group.map((t) => t.label).join(', ')}; ${rounds} rounds of ${slice} s each`);
      const rps = await interleaved(group, rounds, slice, options.connections);
      for (const target of group) console.log(`  ${target.label.padEnd(28)} ${rps.get(target.name) === undefined ? 'FAILED' : `${Math.round(rps.get(target.name)!)} req/s`}`);
      const base = rps.get(verdict.base);
      for (const target of group.filter((t) => t.name !== verdict.base)) {
        const mine = rps.get(target.name);
        if (base === undefined || mine === undefined) {
          failed = true;
          console.log(`${target.label}: run failed, target not evaluated`);
          continue;
        }
        const ratio = mine / base;
        console.log(`${target.label}: ${(ratio * 100).toFixed(1)}% of ${verdict.of} (target >= ${verdict.ratio * 100}%): ${ratio >= verdict.ratio ? 'MEETS target' : 'BELOW target'}`);
      }
    }
  } catch (error) {
    failed = true;
    console.error(`\nbench setup failed: ${(error as Error).stack ?? error}`);
  } finally {
    await stopAll();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
  if (service && measurements.length === 0) failed = true;
  console.log(failed ? '\nbench: some runs FAILED' : '\nbench: all runs completed without errors');
  return failed ? 1 : 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error);
  void stopAll().finally(() => process.exit(1));
});
