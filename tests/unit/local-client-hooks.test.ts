/**
 * What the local service hangs on its DynamoDB clients: the commit barrier (infra/local/commit-barrier.ts:
 * after each successful TransactWriteItems, and before the caller hears of it, one read of the same table,
 * which DynamoDB Local queues behind the transaction's COMMIT) and the replicator's nudge after each write
 * (infra/local/replication-streams.ts). A real document client; the HTTP handler answers in memory.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Readable } from 'node:stream';
import { durableTransactions } from '../../infra/local/commit-barrier.js';
import { notifyingWrites } from '../../infra/local/replication-streams.js';

/** A document client whose "DynamoDB" records each request and answers as `answer` says. */
function recordingClient(answer: (target: string) => { status: number; body: object }, hook: (db: DynamoDBDocumentClient) => DynamoDBDocumentClient = durableTransactions) {
  const seen: { target: string; body: Record<string, unknown> }[] = [];
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
    requestHandler: {
      handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
        const target = String(request.headers['x-amz-target']).replace('DynamoDB_20120810.', '');
        seen.push({ target, body: JSON.parse(String(request.body)) as Record<string, unknown> });
        const { status, body } = answer(target);
        const type = status === 200 ? {} : { 'x-amzn-errortype': 'ResourceNotFoundException' };
        return {
          response: { statusCode: status, headers: { 'content-type': 'application/x-amz-json-1.0', ...type }, body: Readable.from([JSON.stringify(body)]) },
        };
      },
    },
  });
  return { db: hook(DynamoDBDocumentClient.from(client)), seen };
}

const transaction = new TransactWriteCommand({ TransactItems: [{ Put: { TableName: 'kms', Item: { pk: 'a', sk: 'b' } } }] });

test('a transaction is answered only after a read of its table (DynamoDB Local commits it before that read)', async () => {
  const { db, seen } = recordingClient(() => ({ status: 200, body: {} }));
  await db.send(transaction);
  assert.deepEqual(seen.map((r) => r.target), ['TransactWriteItems', 'GetItem']);
  assert.equal(seen[1]!.body.TableName, 'kms');
  assert.equal(seen[1]!.body.ConsistentRead, true);
});

test('other writes and reads go alone', async () => {
  const { db, seen } = recordingClient(() => ({ status: 200, body: {} }));
  await db.send(new PutCommand({ TableName: 'kms', Item: { pk: 'a', sk: 'b' } }));
  await db.send(new GetCommand({ TableName: 'kms', Key: { pk: 'a', sk: 'b' } }));
  assert.deepEqual(seen.map((r) => r.target), ['PutItem', 'GetItem']);
});

test('a failed barrier read fails the transaction: its durability is unknown', async () => {
  const { db } = recordingClient((target) => (target === 'GetItem' ? { status: 400, body: { message: 'down' } } : { status: 200, body: {} }));
  await assert.rejects(db.send(transaction), { name: 'ResourceNotFoundException' });
});

test('the replicator is nudged after each write the document client makes, and only then', async () => {
  let nudges = 0;
  const { db } = recordingClient(() => ({ status: 200, body: {} }), (client) => notifyingWrites(client, () => nudges++));
  const key = { pk: 'a', sk: 'b' };
  await db.send(new GetCommand({ TableName: 'kms', Key: key }));
  await db.send(new QueryCommand({ TableName: 'kms', KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'a' } }));
  assert.equal(nudges, 0);
  await db.send(new PutCommand({ TableName: 'kms', Item: key }));
  await db.send(new UpdateCommand({ TableName: 'kms', Key: key, UpdateExpression: 'SET x = :x', ExpressionAttributeValues: { ':x': 1 } }));
  await db.send(new DeleteCommand({ TableName: 'kms', Key: key }));
  await db.send(transaction);
  await db.send(new BatchWriteCommand({ RequestItems: { kms: [{ PutRequest: { Item: key } }] } }));
  assert.equal(nudges, 5);
});
