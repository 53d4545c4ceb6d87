/** The local replicator's hooks into DynamoDB Local: table streams on, and a nudge after each write of the service. */
import { DescribeTableCommand, UpdateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Turns on the table's stream (NEW_AND_OLD_IMAGES) if it is off; returns the stream's ARN. */
export async function enableStream(client: DynamoDBClient, tableName: string, region: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    const spec = Table?.StreamSpecification;
    if (spec?.StreamEnabled && spec.StreamViewType !== 'NEW_AND_OLD_IMAGES') {
      // Replication needs the new image of every write; a view type cannot be changed in place.
      throw new Error(`Table ${tableName} in ${region} has a ${spec.StreamViewType} stream; replication needs NEW_AND_OLD_IMAGES`);
    }
    if (spec?.StreamEnabled && Table?.LatestStreamArn) return Table.LatestStreamArn;
    if (attempt === 0) {
      await client.send(
        new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }),
      );
    }
    if (attempt >= 100) throw new Error(`Table ${tableName} in ${region}: stream not enabled`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// The middleware sees the low-level client's command names, also when the document client sent it.
const WRITE_COMMANDS = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'TransactWriteItemsCommand', 'BatchWriteItemCommand']);

/** Makes a document client call `onWrite` after each write it makes (the local service nudges the replicator). */
export function notifyingWrites(client: DynamoDBDocumentClient, onWrite: () => void): DynamoDBDocumentClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (WRITE_COMMANDS.has(context.commandName ?? '')) onWrite();
      return result;
    },
    { step: 'initialize', name: 'nudgeReplicator' },
  );
  return client;
}

const READ_COMMANDS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);

/** Makes a document client count the reads it makes (`GET /!admin/stats`: does a warm load read the store?). */
export function countingReads(client: DynamoDBDocumentClient, counter: { reads: number }): DynamoDBDocumentClient {
  client.middlewareStack.add(
    (next, context) => (args) => {
      if (READ_COMMANDS.has(context.commandName ?? '')) counter.reads++;
      return next(args);
    },
    { step: 'initialize', name: 'countReads' },
  );
  return client;
}
