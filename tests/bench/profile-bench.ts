/**
 * `npm run bench -- profile`: where a warm Encrypt's CPU goes. Starts the service as `npm start` does
 * (its esbuild bundle) under `--cpu-prof`, loads it with 1 KiB Encrypts (32 connections), stops it, and
 * attributes the CPU samples of the measured window to parts of the request path, in microseconds per
 * answered request. Each sample goes to the nearest frame of its stack that maps (through the bundle's
 * source map) to a known file, so node:crypto's HMAC counts for SigV4 or for the cipher by who called it.
 *
 * The split is what the targets are stated in (dispatcher and validation <= 12 us, audit <= 5 us).
 * The profiler adds its own cost, so the sum exceeds the CPU of an unprofiled run; compare parts.
 *
 * Options: --duration <s> (measured, default 10), --warmup <s> (default 3), --verbose (the functions
 * each part spends its time in), --top <n> (how many of them, default 6), --save <file> (keep the
 * profile, for Chrome DevTools; the bundle's source map is beside the bundle it names).
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { startChild, stopAll } from './children.js';
import { load } from './load.js';
import { table } from './report.js';
import { buildTargets } from './targets.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Parts of the request path, by source file (first match wins), in the order printed. */
const PARTS: Array<[string, RegExp]> = [
  ['SigV4 (parse, canonical request, HMAC)', /shared\/protocol\/(sigv4|sigv4-signature|signed-request|caller)\.ts|@smithy\/signature-v4/],
  ['dispatcher and validation (JSON, base64, model)', /shared\/protocol\/(dispatcher|validation|request-headers)\.ts|shared\/model\//],
  ['key resolution and caches', /shared\/keys\/resolve-key\.ts|shared\/store\/|shared\/context\//],
  ['authorization (key policy, grants)', /shared\/(authz|policy|grants)\//],
  ['crypto (key derivation, AES-GCM, context)', /shared\/core\/(symmetric|material-vault|encryption-context|ciphertext)\.ts|shared\/keys\/symmetric-crypto\.ts/],
  ['audit record and trail', /shared\/audit\/|shared\/adapters\/file-sinks\.ts/],
  ['key usage, metrics', /shared\/keys\/key-usage\.ts|shared\/observability\.ts/],
  ['operation', /shared\/operations\//],
  ['middy, Powertools, API handler', /@middy\/|@aws-lambda-powertools\/|functions\/api\//],
  ['local API Gateway (event, response)', /infra\/local\/(api-gateway|lambda-event)\.ts/],
  ['HTTP (node:http, sockets)', /^node:(_http|net|internal\/streams|internal\/stream_base|events)|^writev$|^(read|write)Utf8String$/],
  ['garbage collection', /^\(garbage collector\)$/],
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export async function runProfileBench(argv: string[]): Promise<number> {
  let seconds = 10;
  let warmup = 3;
  let verbose = false;
  let shown = 6;
  let save: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--verbose' || argv[i] === '-v') verbose = true;
    else if (argv[i] === '--duration') seconds = Number(argv[++i]);
    else if (argv[i] === '--warmup') warmup = Number(argv[++i]);
    else if (argv[i] === '--top') shown = Number(argv[++i]);
    else if (argv[i] === '--save') save = argv[++i];
    else if (argv[i] === '--help' || argv[i] === '-h') {
      console.log('usage: npm run bench -- profile [--duration s] [--warmup s] [--verbose] [--top n] [--save file.cpuprofile]');
      return 0;
    } else throw new Error(`unknown option ${argv[i]}`);
  }
  const work = mkdtempSync(join(tmpdir(), 'kms-profile-'));
  try {
    process.stderr.write('starting the service under --cpu-prof...\n');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KMS_PORT: '0',
      KMS_HOST: '127.0.0.1',
      KMS_DYNAMODB_PORT: '0',
      KMS_DATA_DIR: join(work, 'data'),
      KMS_JOB_INTERVAL_MS: '0',
      KMS_CREDENTIALS_FILE: join(ROOT, 'tests/fixtures/credentials.json'),
      KMS_WORKERS: '1', // the profiled process serves the API itself
    };
    for (const name of ['LOG_LEVEL', 'POWERTOOLS_LOG_LEVEL', 'KMS_BUNDLE']) delete env[name];
    const service = await startChild('service', 'infra/local/start.mjs', [], env, /KMS endpoint:\s*(http:\/\/\S+)/, 120_000, [
      '--cpu-prof',
      `--cpu-prof-dir=${join(work, 'profile')}`,
      '--cpu-prof-interval=200',
    ]);
    const target = (await buildTargets({ plaintext: randomBytes(1024), wanted: (name) => name === 'encrypt', serviceEndpoint: service.url, note: () => {} }))[0]!;
    process.stderr.write(`warming up for ${warmup} s, then ${seconds} s of Encrypt load...\n`);
    await load(target, warmup, 32, false);
    const cpuBefore = processCpu(service.proc.pid!);
    const from = Number(process.hrtime.bigint() / 1000n); // µs on the monotonic clock V8's profile uses too
    const { result } = await load(target, seconds, 32, false);
    const to = Number(process.hrtime.bigint() / 1000n);
    const cpuAfter = processCpu(service.proc.pid!);
    await stopAll(); // SIGTERM: the service exits and writes its profile
    if (result.non2xx || result.errors) throw new Error(`the load had ${result.non2xx} non-2xx answers and ${result.errors} errors`);
    const answers = result['2xx'];

    const profileDir = join(work, 'profile');
    const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('the service wrote no profile');
    const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as Profile;
    if (save) copyFileSync(join(profileDir, file), save);
    const { parts, leaves } = attribute(profile, from, to);
    const busy = [...parts.values()].reduce((sum, us) => sum + us, 0) - (parts.get('(idle)') ?? 0);
    const rows = [...PARTS.map(([name]) => name), 'other (SDK, Node internals, ...)']
      .map((name) => [name, ((parts.get(name) ?? 0) / answers).toFixed(1), `${(((parts.get(name) ?? 0) / busy) * 100).toFixed(1)}%`]);
    rows.push(['all (idle excluded)', (busy / answers).toFixed(1), '100%']);
    console.log(`\nCPU per answered Encrypt (${answers} answers in ${seconds} s, ${Math.round(answers / seconds)} req/s under the profiler)`);
    for (const line of table(['part of the request path', 'us/req', 'share'], rows)) console.log(`  ${line}`);
    if (cpuBefore && cpuAfter) {
      const per = (us: number) => (us / answers).toFixed(1);
      console.log(`  (the kernel's count over the same window: the main thread ${per(cpuAfter.mainRunUs - cpuBefore.mainRunUs)} us/req on a CPU and ` +
        `${per(cpuAfter.mainWaitUs - cpuBefore.mainWaitUs)} waiting for one; all the process's threads ${per(cpuAfter.allUs - cpuBefore.allUs)} us/req)`);
    }
    if (verbose) {
      for (const [name] of PARTS) {
        const top = [...(leaves.get(name) ?? [])].sort((a, b) => b[1] - a[1]).slice(0, shown);
        if (top.length === 0) continue;
        console.log(`\n  ${name}: the functions its time is spent in (us/req)`);
        for (const [leaf, us] of top) console.log(`    ${(us / answers).toFixed(1).padStart(6)}  ${leaf}`);
      }
    }
    console.log(`\nbench profile: done${verbose ? '' : ' (--verbose: the functions each part spends its time in)'}`);
    return 0;
  } finally {
    await stopAll();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * What the kernel counted for a process (Linux /proc): its main thread's time on a CPU and waiting in the
 * run queue (schedstat), and the CPU time of all its threads (utime + stime, in clock ticks of 10 ms).
 * The profile's busy time is the main thread's, preempted or not; these say which it was.
 */
function processCpu(pid: number): { mainRunUs: number; mainWaitUs: number; allUs: number } | undefined {
  try {
    const [runNs, waitNs] = readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').trim().split(' ').map(Number);
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return { mainRunUs: runNs! / 1000, mainWaitUs: waitNs! / 1000, allUs: (Number(fields[11]) + Number(fields[12])) * 10_000 };
  } catch {
    return undefined; // not Linux
  }
}

interface Attribution {
  /** Microseconds per part. */
  parts: Map<string, number>;
  /** Per part, microseconds per leaf frame (function and source line), for --verbose. */
  leaves: Map<string, Map<string, number>>;
}

/** Microseconds of samples inside [from, to], per part. */
function attribute(profile: Profile, from: number, to: number): Attribution {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const sourceOf = sourceResolver();
  const partOfNode = new Map<number, string>();
  const partOf = (id: number): string => {
    const known = partOfNode.get(id);
    if (known) return known;
    const frame = nodes.get(id)!.callFrame;
    if (frame.functionName === '(idle)') return '(idle)';
    let part: string | undefined;
    // The nearest frame, leaf first, whose source is one of the parts.
    for (let at: number | undefined = id; at !== undefined && !part; at = parent.get(at)) {
      const f = nodes.get(at)!.callFrame;
      const source = sourceOf(f.url, f.lineNumber, f.columnNumber) ?? f.functionName;
      part = PARTS.find(([, pattern]) => pattern.test(source))?.[0];
    }
    const result = part ?? 'other (SDK, Node internals, ...)';
    partOfNode.set(id, result);
    return result;
  };
  const leafOf = (id: number): string => {
    const f = nodes.get(id)!.callFrame;
    const source = sourceOf(f.url, f.lineNumber, f.columnNumber);
    // Minified names say nothing: the source line does.
    const name = f.url.startsWith('file://') ? '' : f.functionName || '(anonymous)';
    return `${name} ${(source ?? '').replace(/^.*?(shared|functions|infra|node_modules)\//, '$1/')}`.trim();
  };
  const parts = new Map<string, number>();
  const leaves = new Map<string, Map<string, number>>();
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    time += delta;
    if (time < from || time > to) continue;
    const id = profile.samples[i]!;
    const part = partOf(id);
    parts.set(part, (parts.get(part) ?? 0) + delta);
    let byLeaf = leaves.get(part);
    if (!byLeaf) leaves.set(part, (byLeaf = new Map()));
    const leaf = leafOf(id);
    byLeaf.set(leaf, (byLeaf.get(leaf) ?? 0) + delta);
  }
  return { parts, leaves };
}

/** A frame's original source path and line (through the bundle's source map), or its URL as it is. */
function sourceResolver(): (url: string, line: number, column: number) => string | undefined {
  const maps = new Map<string, SourceMap | undefined>();
  return (url, line, column) => {
    if (!url.startsWith('file://')) return url || undefined;
    if (!maps.has(url)) {
      try {
        maps.set(url, new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8'))));
      } catch {
        maps.set(url, undefined);
      }
    }
    const entry = maps.get(url)?.findEntry(line, column);
    return entry && 'originalSource' in entry && entry.originalSource ? `${entry.originalSource}:${entry.originalLine + 1}` : url;
  };
}
