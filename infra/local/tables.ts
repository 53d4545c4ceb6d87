/**
 * Creates the service's table in DynamoDB Local from `infra/table-definition.json`, the one definition
 * shared with serverless.yml. DynamoDB Local keeps separate tables per region (no -sharedDb), so the
 * table must be created in every region a client names.
 */
import { readFileSync } from 'node:fs';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  DescribeTimeToLiveCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { DYNAMODB_LOCAL_CREDENTIALS } from '../../shared/services.js';

export type TableDefinition = Omit<CreateTableCommandInput, 'TableName'>;

export function loadTableDefinition(): TableDefinition {
  return JSON.parse(readFileSync(new URL('../table-definition.json', import.meta.url), 'utf8')) as TableDefinition;
}

/**
 * The credentials the store uses. DynamoDB Local also separates databases by access key id, so these
 * must match the store's client exactly or the table lands somewhere the service never looks.
 */


const STREAM = { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } as const;

/** Idempotent: an existing table (or a concurrent creation) is fine. Resolves once the table is ACTIVE. */
export async function ensureTable(endpoint: string, region: string, tableName: string, definition = loadTableDefinition()) {
  const client = new DynamoDBClient({ endpoint, region, credentials: DYNAMODB_LOCAL_CREDENTIALS, maxAttempts: 3 });
  try {
    let table = await describe(client, tableName);
    if (!table) {
      try {
        // With a stream, as the global table's replicas in AWS have: the local replicator reads it.
        await client.send(new CreateTableCommand({ ...definition, TableName: tableName, StreamSpecification: STREAM }));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    } else {
      await addMissingIndexes(client, tableName, table, definition);
      // A table made before streams were turned on (an older data dir) gets one; an existing stream of
      // another view type is left alone (the replicator refuses it with a clear message).
      if (!table.StreamSpecification?.StreamEnabled) {
        await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: STREAM }));
      }
    }
    // DynamoDB Local creates tables ACTIVE at once; poll anyway rather than rely on it.
    for (let attempt = 0; ; attempt++) {
      table = await describe(client, tableName);
      const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE');
      if (table?.TableStatus === 'ACTIVE' && indexesActive) return await enableTimeToLive(client, tableName);
      if (attempt >= 100) throw new Error(`Table ${tableName} in ${region} is not ACTIVE (${table?.TableStatus})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    client.destroy();
  }
}

/**
 * A data dir made before an index was added to the definition would otherwise fail every query on it:
 * create the missing global secondary indexes (only additions; nothing is ever dropped).
 */
async function addMissingIndexes(client: DynamoDBClient, tableName: string, table: TableDescription, definition: TableDefinition) {
  const existing = new Set((table.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of definition.GlobalSecondaryIndexes ?? []) {
    if (existing.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: tableName,
        AttributeDefinitions: definition.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: index }],
      }),
    );
  }
}

/** As in AWS (serverless.yml): items with `expiresAt` (epoch seconds) expire, e.g. grant tombstones. */
async function enableTimeToLive(client: DynamoDBClient, tableName: string) {
  const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  if (TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED') return;
  await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

export interface TableEnsurer {
  /** Resolves when the region's table exists; memoised, so only the first call per region does work. */
  ensure(region: string): Promise<void>;
  /** undefined when the region's table is known to exist: lets the hot path skip an await. */
  pending(region: string): Promise<void> | undefined;
  /** Regions whose table is known to exist. */
  regions(): string[];
  /** Whether the region's table exists (asks DynamoDB Local for a region not seen yet; creates nothing). */
  exists(region: string): Promise<boolean>;
}

export function tableEnsurer(endpoint: string, tableName: string): TableEnsurer {
  const definition = loadTableDefinition();
  const inFlight = new Map<string, Promise<void>>();
  const ready = new Set<string>();
  const ensure = (region: string): Promise<void> => {
    if (ready.has(region)) return Promise.resolve();
    let promise = inFlight.get(region);
    if (!promise) {
      promise = ensureTable(endpoint, region, tableName, definition).then(
        () => {
          ready.add(region);
          inFlight.delete(region);
        },
        (error: unknown) => {
          inFlight.delete(region); // let a later request retry instead of failing forever
          throw error;
        },
      );
      inFlight.set(region, promise);
    }
    return promise;
  };
  const exists = async (region: string): Promise<boolean> => {
    if (ready.has(region)) return true;
    const client = new DynamoDBClient({ endpoint, region, credentials: DYNAMODB_LOCAL_CREDENTIALS, maxAttempts: 3 });
    try {
      return (await describe(client, tableName)) !== undefined;
    } finally {
      client.destroy();
    }
  };
  return { ensure, pending: (region) => (ready.has(region) ? undefined : ensure(region)), regions: () => [...ready], exists };
}
