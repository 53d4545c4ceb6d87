/**
 * The local runtime's region controls, as `npm run region` uses them (infra/local/admin.ts): take a
 * region down or up, declare one failed for a recovery region, and wait for replication. tests/run.ts
 * makes these four regions the global table; each multi-region test file uses its own pair of them.
 */
import assert from 'node:assert/strict';
import { adminRequest } from '../../infra/local/admin-client.js';

export const MRK_PRIMARY = 'eu-west-3';
export const MRK_REPLICA = 'eu-south-1';
export const DR_HOME = 'eu-south-2';
export const DR_RECOVERY = 'ap-northeast-3';

async function admin(path: string, body: unknown = {}): Promise<Record<string, unknown>> {
  const { status, body: answer } = await adminRequest(path, { body });
  assert.equal(status, 200, `${path}: ${status} ${JSON.stringify(answer)}`);
  return answer;
}

/** Resolves once everything written so far has reached every region that is up. */
export const syncReplication = () => admin('/!admin/replication/sync', { timeoutMs: 20_000 });
export const regionDown = (region: string) => admin(`/!admin/regions/${region}/down`);
export const regionUp = (region: string) => admin(`/!admin/regions/${region}/up`);
export const declareFailed = (region: string, recovery: string, reason = 'test') =>
  admin(`/!admin/regions/${region}/fail`, { recovery, reason, by: 'tests' });
export const withdrawFailure = (region: string, recovery: string) => admin(`/!admin/regions/${region}/restore`, { recovery, by: 'tests' });

/**
 * Retries `check` until it stops throwing: what a replica region sees also waits for its key cache
 * (KMS_CACHE_TTL_MS, 5 s by default), as in AWS, where a replica follows its primary within seconds.
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
