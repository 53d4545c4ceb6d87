/**
 * The bench's servers (the service, the reference server, a bare node:http server), each a child process
 * in its own process group, so none shares a CPU with the load generator's event loop, and all of them
 * (DynamoDB Local included) are stopped together.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Child {
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

/** Spawns `node [--import tsx] <script>` in its own process group and waits for `ready` on its output. */
export function startChild(
  name: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs: number,
  nodeArgs: string[] = [],
): Promise<Child> {
  // TypeScript through tsx; the service's start.mjs runs its own bundle.
  const node = script.endsWith('.ts') ? ['--import', 'tsx', ...nodeArgs] : nodeArgs;
  const proc = spawn(process.execPath, [...node, script, ...args], {
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
export async function stopAll(): Promise<void> {
  stopping = true;
  await Promise.all(children.map((c) => c.stop()));
}
