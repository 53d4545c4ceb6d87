/**
 * Which local regions the operator has taken down (`npm run region -- down|up <region>`), to rehearse
 * disaster recovery: a down region answers every API request with 503 (api-gateway.ts), runs no jobs
 * (scheduler.ts), and neither sends nor receives replication (replicator.ts) until it is up again, when
 * the writes made elsewhere meanwhile reach it. Kept in `<dataDir>/regions-down.json`, so a restart of
 * `npm start` keeps a region down.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class RegionHealth {
  private readonly down: Set<string>;
  private readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, 'regions-down.json');
    let saved: unknown = [];
    try {
      saved = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch {
      // none saved yet
    }
    this.down = new Set(Array.isArray(saved) ? saved.filter((r): r is string => typeof r === 'string') : []);
  }

  /** Told of every change before `set` resolves (the API workers' copies: infra/local/worker-pool.ts). */
  onChange?: (down: string[]) => Promise<void>;

  readonly isDown = (region: string): boolean => this.down.has(region);

  downRegions(): string[] {
    return [...this.down].sort();
  }

  async set(region: string, down: boolean): Promise<void> {
    if (down) this.down.add(region);
    else this.down.delete(region);
    const temp = `${this.path}.tmp`;
    await writeFile(temp, JSON.stringify(this.downRegions()) + '\n');
    await rename(temp, this.path);
    await this.onChange?.(this.downRegions());
  }
}
