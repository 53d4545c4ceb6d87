import type { MaterialVault } from '../core/material-vault.js';
import type { KeyRecord, WrappedMaterial } from '../core/types.js';
import type { GrantTokenSigner } from '../grants/grant-token.js';
import type { GrantStore } from '../store/grant-store.js';
import type { Caller } from '../core/caller.js';
import type { JobStore } from '../store/job-store.js';
import type { KeyStore, KeyUsage, PeerKeys } from '../store/ports.js';
import type { MetricsRecorder, Sinks } from '../core/sinks.js';
import type { Clock, Random } from '../core/environment.js';

/** What every operation receives besides its input: who asks, where, and the ports it may use. */
export interface OperationContext {
  caller: Caller;
  region: string;
  requestId: string;
  store: KeyStore;
  clock: Clock;
  random: Random;
  vault: MaterialVault;
  /** The region's grants (DynamoDB behind a short-TTL cache for the authorization lookup). */
  grants: GrantStore;
  /** Issues and verifies grant tokens (MAC key derived from the root key). */
  grantTokens: GrantTokenSigner;
  /** The region's outbox, cleanup and pending-deletion-use records (shared by the API and the jobs). */
  jobStore: JobStore;
  /** Where events, audit records and notifications go (EventBridge/CloudWatch/SNS, or local files). */
  sinks: Sinks;
  /** EventBridge source of the events this service sends (aws.kms locally). */
  eventSource: string;
  /** CloudWatch counts the operations record (e.g. use of a key pending deletion). */
  metrics: MetricsRecorder;
  /** Other regions' keys as this region's table holds them (multi-region keys). */
  peers: PeerKeys;
  /** Each key's last successful cryptographic use in this region (shared/keys/key-usage.ts). */
  keyUsage: { last(keyId: string): Promise<KeyUsage | undefined> };
  /** Whether keys of regions declared failed may be decrypted here (shared/recovery/failed-regions.ts). */
  recoveryDecrypt: boolean;
  /** Per request: the keys it resolved (resolveKey, open), for the audit record's `resources`. */
  trail?: { keys: KeyRecord[] };
  /** Per request: the materials of cold keys, read alongside the keys themselves (keys/material-reads.ts). */
  materialsAhead?: Map<string, Promise<WrappedMaterial[] | undefined>>;
}
