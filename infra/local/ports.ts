/** Ports for the local runtime: a free one, or a clear refusal when a chosen one is taken (before anything starts). */
import { createServer } from 'node:net';

/** A port the OS considers free right now (DynamoDB Local cannot report an ephemeral port back). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Rejects with `inUse` when `port` (on `host`, or every interface) is taken. */
export function assertPortFree(port: number, host: string | undefined, inUse: string): Promise<void> {
  return new Promise((resolveFree, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new Error(inUse) : error));
    server.listen(port, host, () => server.close(() => resolveFree()));
  });
}
