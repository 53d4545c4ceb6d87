/**
 * One API worker of the local service (KMS_WORKERS, infra/local/worker-pool.ts): the real API handler and
 * the API Gateway emulator on the shared port, against the service's DynamoDB Local. What must exist once
 * stays in the service process and is asked for: tables of new regions, global-table joins, replicator
 * nudges; `/health` and the operator routes are forwarded to it. Its caches hear of every other process's
 * writes before those are acknowledged, and its own writes are announced the same way.
 */
import { request as httpRequest, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { loadConfig } from '../../shared/config.js';
import { createServices, type Services } from '../../shared/services.js';
import type { CacheChange } from '../../shared/store/cache-change.js';
import type { KeyUsage } from '../../shared/store/ports.js';
import { loadApiHandler, localClientHooks, regionGate } from './api-parts.js';
import { createApiGatewayServer } from './api-gateway.js';
import { closeServer, listen } from './http-server.js';
import { localLogger } from './local-logger.js';
import { WorkerChannel } from './worker-channel.js';
import type { ServedPorts, WorkerInit, WorkerStats } from './worker-pool.js';

/** Runs this process as an API worker; it exits when told to stop or when the service process is gone. */
export function runApiWorker(): void {
  // Ctrl-C reaches every process of the terminal: the service process stops the workers in order.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});

  let services: Services | undefined;
  let servers: Server[] = [];
  const reads = { reads: 0 };
  const down = new Set<string>();
  let globalRegions: readonly string[] = [];
  const tables = new Set<string>();
  const tablesPending = new Map<string, Promise<void>>();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await Promise.all(servers.map(closeServer));
      await services?.keyUsage.flush().catch(() => {});
      process.exit(0);
    })());

  const channel: WorkerChannel = new WorkerChannel(
    (message, done) => {
      if (!process.connected) return done(new Error('the service process is gone'));
      process.send!(message, undefined, {}, (error) => done(error ?? null));
    },
    {
      start: (init: WorkerInit) => start(init),
      change: (change: CacheChange) => services?.applyCacheChange(change),
      down: (regions: string[]) => {
        down.clear();
        for (const region of regions) down.add(region);
      },
      globalRegions: (regions: string[]) => void (globalRegions = regions),
      stats: (): WorkerStats => ({ cacheReads: { ...services!.cacheReads }, dynamodbReads: reads.reads }),
      // null, not undefined: a reply's value goes through JSON.
      usage: ({ region, keyId }: { region: string; keyId: string }) => services?.keyUsage.known(region, keyId) ?? null,
      stop: () => void stop(),
    },
  );
  process.on('message', (message) => channel.receive(message));
  channel.notify('listening');
  // The service process died (kill -9): nothing coordinates this worker any more.
  process.on('disconnect', () => {
    channel.close('the service process is gone');
    void stop();
  });

  async function start(init: WorkerInit): Promise<ServedPorts> {
    const logger = localLogger(init.logLevel);
    const env = { ...process.env, ...init.env };
    const config = loadConfig(env);
    for (const region of init.regionsDown) down.add(region);
    for (const region of init.tables) tables.add(region);
    globalRegions = init.globalRegions;

    // Nudges are many under a write load; one per turn of the event loop is enough.
    let nudged = false;
    const nudge = () => {
      if (nudged) return;
      nudged = true;
      setImmediate(() => {
        nudged = false;
        channel.notify('nudge');
      });
    };
    services = createServices(config, {
      wrapClient: localClientHooks(nudge, reads),
      globalTable: {
        regions: () => globalRegions,
        join: async (region) => void (globalRegions = await channel.call<string[]>('join', region)),
      },
      // With the service process gone every worker is stopping: there is no one left to tell, and the
      // write itself is done, so it is answered as done.
      announce: (change) => channel.call<void>('change', change).catch((error: unknown) => {
        if (process.connected) throw error;
      }),
      // What the others know only adds to this worker's answer: without them, it answers from its own and the store.
      peerKeyUsage: async (region, keyId) => (await channel.call<KeyUsage | null>('usage', { region, keyId }).catch(() => null)) ?? undefined,
    });
    const tablePending = (region: string): Promise<void> | undefined => {
      if (tables.has(region)) return undefined;
      let pending = tablesPending.get(region);
      if (!pending) {
        pending = channel.call<void>('table', region).then(
          () => void tables.add(region),
          (error: unknown) => {
            tablesPending.delete(region);
            throw error;
          },
        );
        tablesPending.set(region, pending);
      }
      return pending;
    };
    const handler = await (await loadApiHandler(env))(config, services, regionGate((region) => down.has(region), tablePending, logger.error));
    const gateway = { handler, logger, operator: forwardTo(init.operator), basePath: init.basePath, region: config.defaultRegion };
    const http = createApiGatewayServer(gateway);
    servers.push(http);
    const address = await listen(http, init.port, init.host);
    let https: number | undefined;
    if (init.tls) {
      const server = createApiGatewayServer({ ...gateway, tls: { cert: Buffer.from(init.tls.cert), key: Buffer.from(init.tls.key) } });
      servers.push(server);
      https = (await listen(server, init.tls.port, init.host)).port;
    }
    return { address: address.address, family: address.family, http: address.port, https };
  }
}

/** Forwards a request as it came (method, path, headers, body) to the service process, and its answer back. */
function forwardTo(base: string): (req: IncomingMessage, res: ServerResponse) => void {
  const target = new URL(base);
  const agent = new Agent({ keepAlive: true });
  return (req, res) => {
    const upstream = httpRequest({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (res.headersSent) return void res.destroy();
      const body = JSON.stringify({ message: `The KMS service process did not answer: ${error.message}` });
      res.writeHead(502, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
    // The headers go at once: the service process may answer from them alone (a missing token, a body too large).
    upstream.flushHeaders();
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  };
}
