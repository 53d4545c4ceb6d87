/**
 * Builds the real dependencies once (module scope in the Lambda) and hands each request its context:
 * the region's KeyStore and GrantStore (DynamoDB behind short-TTL caches), clock, randomness, the
 * material vault, the grant-token signer, the job store and the sinks; and each job run its context.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsSinks } from './adapters/aws-sinks.js';
import { fileSinks } from './adapters/file-sinks.js';
import { rootKeyProvider } from './adapters/root-key.js';
import { DYNAMODB_SETTINGS } from './adapters/sdk-settings.js';
import { systemClock, systemRandom } from './adapters/system.js';
import type { Config } from './config.js';
import { MaterialVault } from './core/material-vault.js';
import type { JobContext } from './jobs/context.js';
import type { JobStore } from './store/job-store.js';
import type { OperationContext } from './context/operation-context.js';
import { type CredentialStore, type KeyStore, type KeyUsage, type PeerKeys } from './store/ports.js';
import { DynamoKeyUsageStore } from './store/dynamo-key-usage-store.js';
import { KeyUsageRecorder, newestUse } from './keys/key-usage.js';
import { noMetrics, type AuditRecord, type MetricsRecorder, type Sinks } from './core/sinks.js';
import { deliverNow, outboxAudit } from './store/outbox.js';
import type { Clock, Random } from './core/environment.js';
import type { RequestScope } from './core/caller.js';
import { CachedKeyStore } from './store/cached-key-store.js';
import { DynamoJobStore } from './store/dynamo-job-store.js';
import { DynamoKeyStore } from './store/dynamo-key-store.js';
import { CachedGrantStore } from './store/cached-grant-store.js';
import { GrantTokenSigner } from './grants/grant-token.js';
import { DynamoGrantStore } from './store/dynamo-grant-store.js';
import { DynamoCredentialStore } from './store/dynamo-credential-store.js';
import { CredentialCache } from './credentials/credential-cache.js';
import type { CredentialAdminContext } from './credentials/manage.js';
import { regionNames } from './regions.js';
import type { AnnounceCacheChange, CacheChange } from './store/cache-change.js';

/**
 * DynamoDB Local keeps a separate database per access key id and region: the store, the local table
 * bootstrap and the tests must all use these, or they would look at different tables.
 */
export const DYNAMODB_LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface Services {
  storeFor(region: string): KeyStore;
  /**
   * Service credentials as the SigV4 verifier reads them: from this region's table (in AWS the
   * function's own replica of the global table), cached briefly (config.credentialCacheTtlMs).
   */
  credentials: CredentialCache;
  /** The store behind it (the API records credential use there). */
  credentialStore: CredentialStore;
  /** The operator's context for managing credentials (in the home region's table). */
  credentialAdmin(): CredentialAdminContext;
  context(scope: RequestScope): OperationContext;
  /** A job run's context in `region`, acting as of `now`. */
  jobContext(region: string, now: Date, log?: JobContext['log']): JobContext;
  sinks: Sinks;
  /**
   * Keeps API audit records the audit sink could not take in the home region's outbox (durable there);
   * that region's jobs deliver them to the sink once it takes them again.
   */
  keepAuditRecords(records: AuditRecord[]): Promise<void>;
  /** Delivers records keepAuditRecords kept to the audit sink now, and out of the outbox (what a job run would do). */
  deliverKeptAuditRecords(records: AuditRecord[]): Promise<void>;
  /** Each key's last cryptographic use: the API records it, GetKeyLastUsage reads it. */
  keyUsage: KeyUsageRecorder;
  /**
   * Forgets every cache of this process (keys, grants, credentials, unwrapped material, key usage), and
   * tells the other processes to (ServiceOptions.announce): after the local reset.
   */
  forgetCaches(): Promise<void>;
  /** Forgets what another process's write changed (it announced it: ServiceOptions.announce). */
  applyCacheChange(change: CacheChange): void;
  /**
   * The store reads of the hot path's caches (keys, aliases, grants, credentials) since start: `miss`,
   * awaited by a request; `refresh`, made in the background ahead of an entry's expiry.
   */
  cacheReads: { miss: number; refresh: number };
}

interface RegionStores {
  keys: CachedKeyStore;
  grants: CachedGrantStore;
  jobs: JobStore;
  peers: PeerKeys;
  keyUsage: { last(keyId: string): Promise<KeyUsage | undefined> };
}

export interface ServiceOptions {
  clock?: Clock;
  random?: Random;
  /** Where events, audit records and notifications go; by default files (local) or AWS services. */
  sinks?: Sinks;
  /** Where operations' counts go (the API passes Powertools Metrics). */
  metrics?: MetricsRecorder;
  /**
   * The global table's regions when they can change while running (the local service: a region joins on
   * ReplicateKey); by default KMS_REGIONS.
   */
  globalTable?: { regions(): readonly string[]; join(region: string): Promise<void> };
  /** Wraps each region's DynamoDB document client (the jobs bench counts the items read). */
  wrapClient?: (client: DynamoDBDocumentClient) => DynamoDBDocumentClient;
  /**
   * Tells the other processes that cache the same tables what a write through these services changed,
   * before the write is acknowledged (the local service's API workers). None: they see it within the TTL.
   */
  announce?: AnnounceCacheChange;
  /**
   * The newest use of a key that the other processes serving the same tables know and may not have
   * written yet (the local service's API workers); GetKeyLastUsage answers the newest of theirs and its own.
   */
  peerKeyUsage?: (region: string, keyId: string) => Promise<KeyUsage | undefined>;
}

export function createServices(config: Config, options: ServiceOptions = {}): Services {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const rootKeys = rootKeyProvider(config.rootKey, config.defaultRegion);
  const vault = new MaterialVault(rootKeys, random);
  const grantTokens = new GrantTokenSigner(() => rootKeys.rootKey());
  const sinks = options.sinks ?? (config.dataDir ? fileSinks(config.dataDir) : awsSinks(config));
  const regions = new Map<string, RegionStores>();
  const metrics = options.metrics ?? noMetrics;

  const servedRegion = regionNames(config.allowAnyRegion);
  const cacheReads = { miss: 0, refresh: 0 };
  const onRead = (kind: 'miss' | 'refresh') => void cacheReads[kind]++;
  const globalRegions = () => options.globalTable?.regions() ?? config.regions;
  const keyUsage = new KeyUsageRecorder((region) => new DynamoKeyUsageStore(dbFor(region), config.tableName, region), {
    intervalMs: config.keyUsageIntervalMs,
  });

  const clients = new Map<string, DynamoDBDocumentClient>();
  const dbFor = (region: string): DynamoDBDocumentClient => {
    let db = clients.get(region);
    if (!db) {
      const client = new DynamoDBClient({
        ...DYNAMODB_SETTINGS,
        region,
        endpoint: config.dynamodbEndpoint,
        // A store that stops answering must not hold a request until the client gives up on its own:
        // connect within 2 s, answer within 10 s, or the request fails (DependencyTimeoutException).
        requestHandler: { connectionTimeout: 2000, requestTimeout: 10_000 },
        ...(config.dynamodbEndpoint ? { credentials: DYNAMODB_LOCAL_CREDENTIALS } : {}),
      });
      db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
      if (options.wrapClient) db = options.wrapClient(db);
      clients.set(region, db);
    }
    return db;
  };

  const storesFor = (region: string): RegionStores => {
    let stores = regions.get(region);
    if (!stores) {
      const db = dbFor(region);
      const table = db;
      // Other regions' items as this region's table holds them: uncached, read only where multi-region work needs them.
      const views = new Map<string, KeyStore>();
      const viewOf = (itemRegion: string): KeyStore => {
        let view = views.get(itemRegion);
        if (!view) views.set(itemRegion, (view = new DynamoKeyStore(table, config.tableName, itemRegion)));
        return view;
      };
      const announce = options.announce;
      stores = {
        keys: new CachedKeyStore(
          new DynamoKeyStore(db, config.tableName, region),
          config.cacheTtlMs,
          Date.now,
          onRead,
          announce && ((change) => announce({ ...change, region })),
        ),
        grants: new CachedGrantStore(
          new DynamoGrantStore(db, config.tableName, region),
          config.cacheTtlMs,
          Date.now,
          onRead,
          announce && ((keyId) => announce({ kind: 'grants', region, keyId })),
        ),
        jobs: new DynamoJobStore(db, config.tableName, region),
        peers: {
          get regions() {
            return globalRegions();
          },
          canHold: servedRegion,
          join: options.globalTable && ((joining: string) => options.globalTable!.join(joining)),
          keyIn: (itemRegion, keyId) => viewOf(itemRegion).getKey(keyId),
          viewOf,
          storeIn: (otherRegion) => storesFor(otherRegion).keys,
        },
        keyUsage: { last: (keyId) => lastKeyUsage(region, keyId) },
      };
      regions.set(region, stores);
    }
    return stores;
  };

  const lastKeyUsage = async (region: string, keyId: string): Promise<KeyUsage | undefined> => {
    if (!options.peerKeyUsage) return keyUsage.last(region, keyId);
    return newestUse(await Promise.all([keyUsage.last(region, keyId), options.peerKeyUsage(region, keyId)]));
  };

  const forgetAll = () => {
    for (const stores of regions.values()) {
      stores.keys.clear();
      stores.grants.clear();
    }
    credentials.forget();
    vault.clear();
    keyUsage.clear();
  };

  const credentialStore = new DynamoCredentialStore(dbFor(config.defaultRegion), config.tableName, config.defaultRegion);
  const credentials = new CredentialCache(credentialStore, vault, config.credentialCacheTtlMs, () => clock.now().getTime(), undefined, onRead);

  return {
    sinks,
    keepAuditRecords: (records) => storesFor(config.defaultRegion).jobs.putOutbox(records.map(outboxAudit)),
    deliverKeptAuditRecords: (records) => deliverNow(storesFor(config.defaultRegion).jobs, sinks, records.map(outboxAudit)),
    keyUsage,
    cacheReads,
    forgetCaches: async () => {
      forgetAll();
      await options.announce?.({ kind: 'all' });
    },
    applyCacheChange: (change) => {
      switch (change.kind) {
        case 'all':
          return forgetAll();
        case 'credential':
          return credentials.forget(change.accessKeyId);
        case 'key':
          return regions.get(change.region)?.keys.forgetKey(change.keyId);
        case 'alias':
          return regions.get(change.region)?.keys.forgetAlias(change.account, change.aliasName);
        case 'grants':
          return regions.get(change.region)?.grants.forget(change.keyId);
      }
    },
    credentials,
    credentialStore,
    credentialAdmin: () => ({
      region: config.defaultRegion,
      credentials: credentialStore,
      jobStore: storesFor(config.defaultRegion).jobs,
      sinks,
      vault,
      random,
      clock,
      regions: [...new Set([config.defaultRegion, ...globalRegions()])],
      changed: async (accessKeyId) => {
        credentials.forget(accessKeyId);
        await options.announce?.({ kind: 'credential', accessKeyId });
      },
    }),
    storeFor: (region) => storesFor(region).keys,
    context: (scope) => {
      const stores = storesFor(scope.region);
      // A plain literal: on Node 20, `{ ...scope, more }` costs microseconds per request (V8 slow path).
      return {
        caller: scope.caller,
        region: scope.region,
        requestId: scope.requestId,
        store: stores.keys,
        clock,
        random,
        vault,
        grants: stores.grants,
        grantTokens,
        jobStore: stores.jobs,
        sinks,
        eventSource: config.eventSource,
        metrics,
        peers: stores.peers,
        keyUsage: stores.keyUsage,
        recoveryDecrypt: config.recoveryDecrypt,
        // In the literal (not added later): every context keeps one shape, so property reads stay fast.
        trail: { keys: [] },
        materialsAhead: undefined,
      };
    },
    jobContext: (region, now, log = () => {}) => {
      const stores = storesFor(region);
      return {
        region,
        now,
        store: stores.keys,
        jobStore: stores.jobs,
        grants: stores.grants,
        vault,
        random,
        sinks,
        eventSource: config.eventSource,
        peers: stores.peers,
        log,
      };
    },
  };
}
