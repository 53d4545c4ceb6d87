/**
 * The verifier's view of the credential store: each access key's record, its secret unsealed once, and
 * the SigV4 signing keys derived from it, kept in memory for `ttlMs` (default 10 s). So a warm request
 * does no store read, and a credential disabled or deleted elsewhere (the `credentials` function, another
 * Lambda instance) is refused here at most `ttlMs` later; a change made through this process's own
 * services is seen at once (`forget`). Unknown access key ids are remembered for `negativeTtlMs` (1 s)
 * so a flood of made-up ids costs one read per id and second, and a new credential works almost at once.
 * Concurrent lookups of one id share one read, and a credential in use is re-read ahead of its expiry in
 * the background (store/refreshing-cache.ts), so a steady load never waits on the store.
 */
import { CREDENTIAL_SECRET_PURPOSE, credentialSecretAad, type CredentialRecord, type VerifiableCredential } from '../core/credentials.js';
import type { MaterialVault } from '../core/material-vault.js';
import type { CredentialStore } from '../store/ports.js';
import { RefreshingCache, type RefreshingCacheOptions } from '../store/refreshing-cache.js';

export interface CachedCredential extends VerifiableCredential {
  readonly record: CredentialRecord;
}

export const DEFAULT_CREDENTIAL_TTL_MS = 10_000;
const NEGATIVE_TTL_MS = 1_000;
const MAX_ENTRIES = 10_000;

export class CredentialCache {
  private readonly entries: RefreshingCache<CachedCredential>;

  constructor(
    private readonly store: CredentialStore,
    private readonly vault: MaterialVault,
    ttlMs: number = DEFAULT_CREDENTIAL_TTL_MS,
    now: () => number = Date.now,
    negativeTtlMs: number = Math.min(NEGATIVE_TTL_MS, ttlMs),
    onRead?: RefreshingCacheOptions['onRead'],
  ) {
    this.entries = new RefreshingCache({ ttlMs, negativeTtlMs, maxEntries: MAX_ENTRIES, now, onRead });
  }

  /** The credential of an access key id: synchronous on a fresh hit (the hot path), a promise otherwise. */
  lookup(accessKeyId: string): CachedCredential | undefined | Promise<CachedCredential | undefined> {
    return this.entries.get(accessKeyId, () => this.load(accessKeyId));
  }

  /** Drops what is known of one access key (or of all): the next lookup reads the store. */
  forget(accessKeyId?: string): void {
    if (accessKeyId === undefined) this.entries.clear();
    else this.entries.delete(accessKeyId);
  }

  private async load(accessKeyId: string): Promise<CachedCredential | undefined> {
    const record = await this.store.getCredential(accessKeyId);
    if (!record) return undefined;
    const secret = await this.vault.openBlob(CREDENTIAL_SECRET_PURPOSE, credentialSecretAad(accessKeyId), record.sealedSecret);
    // A sealed secret that does not open (another root key, or moved to another id) authenticates nobody.
    if (!secret) return undefined;
    return {
      record,
      accessKeyId,
      secretAccessKey: secret.toString('utf8'),
      sessionTokenHash: record.sessionTokenHash,
      active: record.status === 'Active',
      signingKeys: new Map(),
    };
  }
}
