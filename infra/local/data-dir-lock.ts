/**
 * One service per data directory: two would run two DynamoDB Locals on one database and each remove the
 * other's runtime file on stop. `<dataDir>/service.lock` holds the owner's pid; a second start is refused
 * with that pid and the owner's endpoint (from runtime.json). A lock whose process is gone (kill -9) is
 * taken over.
 */
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';

/** Directories this process holds: a lock naming our own pid but not in here is a leftover. */
const held = new Set<string>();

export class DataDirError extends Error {}

/** Takes the lock, or throws DataDirError naming the owner; returns the release function. */
export function lockDataDir(dataDir: string, runtimeFile: string): () => void {
  const path = join(dataDir, 'service.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      held.add(dataDir);
      return () => {
        held.delete(dataDir);
        rmSync(path, { force: true });
      };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') throw new DataDirError(`KMS_DATA_DIR ${dataDir} is not writable (${code})`);
      if (code !== 'EEXIST' || attempt > 0) throw error;
    }
    const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
    if (Number.isInteger(owner) && alive(owner) && (owner !== process.pid || held.has(dataDir))) {
      let endpoint = 'starting';
      try {
        endpoint = (JSON.parse(readFileSync(runtimeFile, 'utf8')) as { endpoint?: string }).endpoint ?? endpoint;
      } catch {
        // not listening yet
      }
      throw new DataDirError(
        `KMS_DATA_DIR ${dataDir} is in use by another local KMS (pid ${owner}, endpoint ${endpoint}); stop it or use another KMS_DATA_DIR`,
      );
    }
    rmSync(path, { force: true }); // its process is gone: take the directory over
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
