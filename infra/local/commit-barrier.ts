/**
 * DynamoDB Local answers TransactWriteItems before the transaction is on disk: it queues the SQLite COMMIT
 * on the database's one SQLite thread without waiting for it (sqlite4java's `SQLiteQueue.execute`), so a
 * kill -9 of DynamoDB Local right after the answer can lose an acknowledged transaction (the crash test
 * saw it about once in four kills with a transaction in flight; PutItem, UpdateItem, DeleteItem and
 * BatchWriteItem commit before they answer). Every later request to the same database queues behind that
 * COMMIT, so one read after each transaction returns only once the transaction is durable: the local
 * service acknowledges nothing before that. Real DynamoDB needs none of this; deployed code has no barrier.
 */
import { GetCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

/** An item no one writes: reading it only waits for DynamoDB Local's queue. */
const BARRIER_KEY = { pk: '!commit-barrier', sk: '!' };

/** Makes `client` wait, after each successful TransactWriteItems, until DynamoDB Local has committed it. */
export function durableTransactions(client: DynamoDBDocumentClient): DynamoDBDocumentClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      // The low-level command's name, also when the document client sent it.
      if (context.commandName === 'TransactWriteItemsCommand') {
        const first = (args.input as TransactWriteCommandInput).TransactItems?.[0];
        const tableName = first?.Put?.TableName ?? first?.Update?.TableName ?? first?.Delete?.TableName ?? first?.ConditionCheck?.TableName;
        // If this read fails the transaction's fate is unknown, and the request fails as a store outage would.
        if (tableName) await client.send(new GetCommand({ TableName: tableName, Key: BARRIER_KEY, ConsistentRead: true }));
      }
      return result;
    },
    { step: 'initialize', name: 'durableTransactions' },
  );
  return client;
}
