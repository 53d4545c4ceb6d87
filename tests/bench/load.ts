/**
 * Loading one target: its request sent once to check the answer, then replayed by autocannon for some
 * seconds, keeping the exact response time of each 2xx answer; and node:crypto run in this process for
 * the same operation's own speed.
 */
import { request as httpRequest } from 'node:http';
import autocannon, { type Result } from 'autocannon';
import type { SignedKmsRequest } from '../support/sign.js';

export interface Target {
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

export interface Reply {
  status: number;
  body: string;
}

/** Sends the exact bytes autocannon will replay, once, to check the answer before loading. */
export function sendOnce(endpoint: string, signed: SignedKmsRequest): Promise<Reply> {
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

/** Replays the target's request for `seconds` over `connections` connections. */
export async function load(target: Target, seconds: number, connections: number, recordLatency: boolean): Promise<{ result: Result; latencies: Float64Array }> {
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
  return { result, latencies: latencies.subarray(0, count) };
}

/** The p-th percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** Operations per second of `op` run synchronously in this process for `seconds` (after a short warm-up). */
export function inProcessOpsPerSecond(op: () => void, seconds: number): number {
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

export function b64(value: unknown): Buffer | undefined {
  return typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
}
