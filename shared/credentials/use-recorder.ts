/** The last use of each credential, recorded off the request path (shared/store's per-region use items). */
import type { CachedCredential } from './credential-cache.js';
import type { CredentialStore } from '../store/ports.js';

/** How often one instance records a credential's use (its last-use item): at most every 5 minutes per key. */
const USE_RECORD_INTERVAL_MS = 5 * 60 * 1000;

/**
 * Records credential use off the request path; a failure is only logged (last use is informational).
 * `later` starts the write: by default once the request's own reads are on their way (it is verified, so
 * those follow at once), so that the write's work runs while they are in flight, not before they leave;
 * the Lambda handler starts it once the invocation has answered (functions/api/app.ts).
 */
export function useRecorder(
  store: Pick<CredentialStore, 'recordUse'>,
  logger: { warn: (message: string, fields: Record<string, unknown>) => void },
  later: (work: () => void) => void = (work) => void setImmediate(work),
) {
  const recorded = new Map<string, number>();
  return (credential: CachedCredential) => {
    const now = Date.now();
    const last = recorded.get(credential.accessKeyId);
    if (last !== undefined && now - last < USE_RECORD_INTERVAL_MS) return;
    if (recorded.size >= 10_000) recorded.clear();
    recorded.set(credential.accessKeyId, now);
    later(() =>
      void store.recordUse(credential.accessKeyId, now).catch((error: unknown) =>
        logger.warn('could not record a credential use', { accessKeyId: credential.accessKeyId, error: String(error) }),
      ),
    );
  };
}
