/**
 * `npm run package [-- --stage <stage>] [-- --param name=value ...]`: builds, offline (no AWS credentials),
 * the CloudFormation template and the bundled functions of every region of a stage, one region after
 * the other, into `dist/<stage>/<region>/`, by running the local osls binary
 * (`osls package --stage S --region R --package DIR`). Not under `.serverless/`: osls builds in that
 * directory and empties it on every run (it is its work directory when --package points elsewhere).
 * `osls deploy --stage S --region R --package dist/S/R` deploys such a package as built. The stage's regions come from infra/regions.json,
 * the file serverless.yml reads too (custom.stageRegions); the primary region comes first, the order in
 * which the stacks are deployed. `--param` values are handed to each osls run (e.g. privateApi=true).
 *
 * Also imported by tests/unit/serverless-template.test.ts (packageRegion, stageRegions, isStale).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAwsRegion } from '../../shared/regions.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const REGIONS_FILE = join(ROOT, 'infra', 'regions.json');
export const DEFAULT_STAGE = 'dev';
export const TEMPLATE_FILE = 'cloudformation-template-update-stack.json';
export const STATE_FILE = 'serverless-state.json';
/** Written beside the template: the --param values it was packaged with. */
export const PARAMS_FILE = 'package-params.json';
/** What a package is built from: any file here newer than the template makes it stale. */
export const PACKAGE_INPUTS = [join(ROOT, 'serverless.yml'), join(ROOT, 'infra', 'table-definition.json'), REGIONS_FILE, join(ROOT, 'package-lock.json')];
/** The code bundled into the functions (directories, searched recursively). */
export const CODE_INPUTS = [join(ROOT, 'functions'), join(ROOT, 'shared'), join(ROOT, 'infra', 'serverless')];

/** A stage's entry in infra/regions.json. */
export interface StageRegions {
  primaryRegion: string;
  /** Up to 4 other regions where the table and the secret are replicated. */
  replicaRegions: string[];
}

const STAGE = /^[A-Za-z0-9-]+$/;
const MAX_REPLICAS = 4;

/** The regions of `stage` (its entry in infra/regions.json, else `default`), validated. */
export function stageRegions(stage: string, file: string = REGIONS_FILE): StageRegions {
  const config = JSON.parse(readFileSync(file, 'utf8')) as { stages?: Record<string, Partial<StageRegions>> };
  const entry = config.stages?.[stage] ?? config.stages?.default;
  const where = `${relative(ROOT, file)} (stages.${config.stages?.[stage] ? stage : 'default'})`;
  if (!entry) throw new Error(`${where}: no entry for stage ${stage} and no default`);
  const { primaryRegion, replicaRegions = [] } = entry;
  if (typeof primaryRegion !== 'string' || !isAwsRegion(primaryRegion)) throw new Error(`${where}: primaryRegion must be an AWS region`);
  if (!Array.isArray(replicaRegions) || replicaRegions.some((r) => typeof r !== 'string' || !isAwsRegion(r))) {
    throw new Error(`${where}: replicaRegions must be a list of AWS regions`);
  }
  if (replicaRegions.length > MAX_REPLICAS) throw new Error(`${where}: at most ${MAX_REPLICAS} replicaRegions`);
  if (new Set([primaryRegion, ...replicaRegions]).size !== replicaRegions.length + 1) {
    throw new Error(`${where}: every region at most once, the primary not among the replicas`);
  }
  return { primaryRegion, replicaRegions };
}

/** Every region of the stage, primary first (the deploy order, and KMS_REGIONS). */
export function regionsOf(stage: string): string[] {
  const { primaryRegion, replicaRegions } = stageRegions(stage);
  return [primaryRegion, ...replicaRegions];
}

export function packageDir(stage: string, region: string, base: string = join(ROOT, 'dist')): string {
  return join(base, stage, region);
}

/**
 * True when `dir` holds no package of this stage, region and --param values, or one older than
 * serverless.yml, infra/table-definition.json, infra/regions.json, package-lock.json or any file of the
 * bundled code (functions/, shared/, infra/serverless/).
 */
export function isStale(dir: string, stage: string, region: string, params: Record<string, string> = {}): boolean {
  const files = [TEMPLATE_FILE, STATE_FILE, PARAMS_FILE].map((name) => join(dir, name));
  if (!files.every((file) => existsSync(file))) return true;
  const builtAt = Math.min(...files.map((file) => statSync(file).mtimeMs));
  if (PACKAGE_INPUTS.some((input) => statSync(input).mtimeMs > builtAt)) return true;
  if (CODE_INPUTS.some((input) => newestMtime(input) > builtAt)) return true;
  if (readFileSync(files[2]!, 'utf8') !== paramsText(params)) return true;
  const provider = JSON.parse(readFileSync(files[1]!, 'utf8')).service?.provider;
  return provider?.stage !== stage || provider?.region !== region;
}

function newestMtime(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const paramsText = (params: Record<string, string>) => JSON.stringify(Object.fromEntries(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1))));

export interface PackageOptions {
  /** --param values for osls (e.g. { privateApi: 'true' }). */
  params?: Record<string, string>;
  /** Where the package goes (default `dist/<stage>/<region>`). */
  dir?: string;
}

/** Packages one region of a stage with the local osls binary; returns the package directory. */
export function packageRegion(stage: string, region: string, options: PackageOptions = {}): string {
  if (!STAGE.test(stage)) throw new Error(`invalid stage name: ${stage}`);
  if (!isAwsRegion(region)) throw new Error(`not an AWS region: ${region}`);
  const dir = options.dir ?? packageDir(stage, region);
  return withPackagingLock(() => packageInto(stage, region, dir, options));
}

/**
 * The package in `dir` (default dist/<stage>/<region>), packaged first unless an up-to-date one is
 * there; safe to call from several processes at once (test files running in parallel).
 */
export function ensurePackage(stage: string, region: string, options: PackageOptions = {}): string {
  const dir = options.dir ?? packageDir(stage, region);
  return withPackagingLock(() => (isStale(dir, stage, region, options.params) ? packageInto(stage, region, dir, options) : dir));
}

/**
 * osls works in `.serverless/` and `.esbuild/` of the project whatever --package says, so two runs at once
 * would trample each other: one at a time, across processes (a lock directory; a stale one, left by a
 * killed run, is taken over after 10 minutes).
 */
function withPackagingLock<T>(work: () => T): T {
  const lock = join(ROOT, '.serverless-package.lock');
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const held = statSync(lock, { throwIfNoEntry: false });
      if (!held) continue; // released meanwhile
      if (Date.now() - held.mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`packaging lock ${lock} held for too long`);
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200); // a synchronous sleep
    }
  }
  try {
    return work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function packageInto(stage: string, region: string, dir: string, options: PackageOptions): string {
  // osls does not empty the directory: files of removed functions would stay behind.
  rmSync(dir, { recursive: true, force: true });
  // The local osls binary (what `npx osls` runs), called through node to skip npx's start-up.
  const cli = join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
  const params = Object.entries(options.params ?? {}).flatMap(([name, value]) => ['--param', `${name}=${value}`]);
  const args = [cli, 'package', '--stage', stage, '--region', region, '--package', dir, ...params];
  const run = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (run.status !== 0) {
    throw new Error(
      `osls package --stage ${stage} --region ${region} failed (status ${run.status}, ${run.error?.message ?? 'no spawn error'}):\n${run.stdout}\n${run.stderr}`,
    );
  }
  writeFileSync(join(dir, PARAMS_FILE), paramsText(options.params ?? {}));
  return dir;
}

/** Packages every region of the stage, one after the other (esbuild already uses both cores). */
export function packageStage(stage: string, options: Omit<PackageOptions, 'dir'> = {}, log: (line: string) => void = () => {}) {
  const { primaryRegion } = stageRegions(stage);
  return regionsOf(stage).map((region) => {
    const started = Date.now();
    const dir = packageRegion(stage, region, options);
    const role = region === primaryRegion ? 'primary' : 'replica';
    log(`${region} (${role}): ${relative(process.cwd(), join(dir, TEMPLATE_FILE))} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return { region, role, dir };
  });
}

function parseArgs(argv: string[]): { stage: string; params: Record<string, string> } {
  let stage = DEFAULT_STAGE;
  const params: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${name} needs a value`);
      return v;
    };
    if (name === '--stage' || name === '-s') stage = value();
    else if (name === '--param') {
      const param = value();
      const eq = param.indexOf('=');
      if (eq <= 0) throw new Error(`--param takes name=value, not ${param}`);
      params[param.slice(0, eq)] = param.slice(eq + 1);
    } else throw new Error(`unknown argument ${arg}\nusage: npm run package [-- --stage <stage>] [--param name=value ...]`);
  }
  return { stage, params };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { stage, params } = parseArgs(process.argv.slice(2));
    const regions = regionsOf(stage);
    console.log(`Packaging stage ${stage} for ${regions.join(', ')} (deploy in this order)`);
    packageStage(stage, { params }, (line) => console.log(`  ${line}`));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
