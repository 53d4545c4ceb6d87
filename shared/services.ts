/**
 * Builds the real dependencies once (module scope in the Lambda) and hands each request its context:
 * the region's KeyStore and GrantStore (DynamoDB behind short-TTL caches), clock, randomness, the
 * material vault and the grant-token signer.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { rootKeyProvider } from './adapters/root-key.js';
import { systemClock, systemRandom } from './adapters/system.js';
import type { Config } from './config.js';
import { MaterialVault } from './core/material-vault.js';
import type { OperationContext } from './operations/context.js';
import type { Clock, KeyStore, Random } from './ports.js';
import type { RequestScope } from './protocol/dispatcher.js';
import { CachedKeyStore } from './store/cached-key-store.js';
import { DynamoKeyStore } from './store/dynamo-key-store.js';
import { CachedGrantStore } from './grants/cached-grant-store.js';
import { GrantTokenSigner } from './grants/grant-token.js';
import type { GrantStore } from './grants/store.js';
import { DynamoGrantStore } from './store/dynamo-grant-store.js';

/**
 * DynamoDB Local keeps a separate database per access key id and region: the store, the local table
 * bootstrap and the tests must all use these, or they would look at different tables.
 */
export const DYNAMODB_LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface Services {
  storeFor(region: string): KeyStore;
  context(scope: RequestScope): OperationContext;
}

export function createServices(config: Config, clock: Clock = systemClock, random: Random = systemRandom): Services {
  const rootKeys = rootKeyProvider(config.rootKey, config.defaultRegion);
  const vault = new MaterialVault(rootKeys, random);
  const grantTokens = new GrantTokenSigner(() => rootKeys.rootKey());
  const stores = new Map<string, KeyStore>();
  const grantStores = new Map<string, GrantStore>();

  const storeFor = (region: string): KeyStore => {
    let store = stores.get(region);
    if (!store) {
      const client = new DynamoDBClient({
        region,
        endpoint: config.dynamodbEndpoint,
        ...(config.dynamodbEndpoint ? { credentials: DYNAMODB_LOCAL_CREDENTIALS } : {}),
      });
      const db = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
      store = new CachedKeyStore(new DynamoKeyStore(db, config.tableName, region), config.cacheTtlMs);
      stores.set(region, store);
      grantStores.set(region, new CachedGrantStore(new DynamoGrantStore(db, config.tableName, region), config.cacheTtlMs));
    }
    return store;
  };

  return {
    storeFor,
    context: (scope) => {
      const store = storeFor(scope.region);
      // A plain literal: on Node 20, `{ ...scope, more }` costs microseconds per request (V8 slow path).
      return {
        caller: scope.caller,
        region: scope.region,
        requestId: scope.requestId,
        store,
        clock,
        random,
        vault,
        grants: grantStores.get(scope.region)!,
        grantTokens,
      };
    },
  };
}
