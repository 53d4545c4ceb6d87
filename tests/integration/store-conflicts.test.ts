/**
 * A lost conditional write brings the winner's key back (ReturnValuesOnConditionCheckFailure): the
 * store's cache keeps it, so the retry starts from the current revision with no extra read.
 * Two services over the service's table stand for two Lambda instances writing one key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createServices } from '../../shared/services.js';
import { ConditionFailedError } from '../../shared/store/ports.js';
import { createKey } from './helpers.js';
import { serviceConfig } from './jobs.js';

function instance(reads: { count: number }) {
  const config = serviceConfig(60_000);
  const countReads = (client: DynamoDBDocumentClient) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetCommand') reads.count++;
        return next(args);
      },
      { step: 'initialize', name: 'countReads' },
    );
    return client;
  };
  return createServices(config, { wrapClient: countReads }).storeFor('us-east-1');
}

test('a lost race returns the current key, which the cache keeps for the retry', async () => {
  const keyId = (await createKey({ Description: 'race' })).KeyId!;
  const mine = { count: 0 };
  const a = instance(mine);
  const b = instance({ count: 0 });
  const stale = (await a.getKey(keyId))!;
  const winner = (await b.getKey(keyId))!;
  await b.updateKey({ ...winner, description: 'the winner', revision: winner.revision + 1 });

  const readsBefore = mine.count;
  const lost = await a.updateKey({ ...stale, description: 'the loser', revision: stale.revision + 1 }).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(lost instanceof ConditionFailedError, 'the stale write is refused');
  assert.equal(lost.current?.description, 'the winner', 'the failure carries the stored key');
  assert.equal(lost.current?.revision, winner.revision + 1);
  const retried = (await a.getKey(keyId))!;
  assert.equal(retried.description, 'the winner');
  assert.equal(mine.count, readsBefore, 'no read between the lost write and the retry');
});
