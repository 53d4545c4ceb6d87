/**
 * The JobStore of one region on DynamoDB. Due keys come from the sparse GSIs (store/due-index.ts), never
 * from a scan; the outbox, cleanup markers and pending-deletion-use counters live in one partition each
 * per region, holding only work that is still to be done.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { KeyRecord } from '../core/types.js';
import { grantPartition } from './grant-item-keys.js';
import type { CleanupEntry, DueEntry, FailedRegion, JobStore, PendingDeletionUse, StoredOutboxEntry } from './job-store.js';
import type { OutboxEntry } from '../core/sinks.js';
import { dueIndexes, type DueJob } from './due-index.js';
import {
  aliasByKey,
  aliasItem,
  cleanupItem,
  cleanupPk,
  failedRegionItem,
  failedRegionPk,
  materialItem,
  multiRegionItem,
  onceItem,
  outboxItem,
  outboxPk,
  pendingDeletionUseItem,
  pendingDeletionUsePk,
} from './item-keys.js';
import { outboxItemOf } from './outbox-item.js';

type Key = Record<string, unknown>;

export class DynamoJobStore implements JobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly region: string,
  ) {}

  async dueKeys(job: DueJob, until: number, limit: number, after?: string) {
    const index = dueIndexes[job];
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.indexName,
        KeyConditionExpression: '#pk = :region AND #at <= :until',
        ExpressionAttributeNames: { '#pk': index.pk, '#at': index.at },
        ExpressionAttributeValues: { ':region': this.region, ':until': until },
        Limit: limit,
        ExclusiveStartKey: after ? (JSON.parse(after) as Key) : undefined,
      }),
    );
    const items: DueEntry[] = Items.map((item) => ({ keyId: keyIdOf(item.pk as string), dueAt: item[index.at] as number }));
    return { items, next: LastEvaluatedKey ? JSON.stringify(LastEvaluatedKey) : undefined };
  }

  async listOutbox(limit: number): Promise<StoredOutboxEntry[]> {
    const items = await this.queryAll(outboxPk(this.region), limit);
    return items.map((item) => ({
      id: item.sk as string,
      kind: item.kind as OutboxEntry['kind'],
      body: (typeof item.body === 'string' ? JSON.parse(item.body) : item.body) as Record<string, unknown>,
      claimedUntil: item.claimedUntil as number | undefined,
    }));
  }

  async claimOutbox(id: string, now: number, until: number): Promise<boolean> {
    return succeeded(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: outboxItem(this.region, id),
          UpdateExpression: 'SET claimedUntil = :until',
          // Still there, and nobody else holds it (a claim whose holder crashed lapses).
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(claimedUntil) OR claimedUntil < :now)',
          ExpressionAttributeValues: { ':until': until, ':now': now },
        }),
      ),
    );
  }

  async deleteOutbox(id: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: outboxItem(this.region, id) }));
  }

  async releaseOutbox(id: string): Promise<void> {
    await succeeded(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: outboxItem(this.region, id),
          UpdateExpression: 'REMOVE claimedUntil',
          ConditionExpression: 'attribute_exists(pk)', // delivered and deleted meanwhile: nothing to give back
        }),
      ),
    );
  }

  async putOutbox(entries: OutboxEntry[]): Promise<void> {
    for (const entry of entries) {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: outboxItemOf(this.region, entry),
        }),
      );
    }
  }

  async listCleanups(limit: number): Promise<CleanupEntry[]> {
    const items = await this.queryAll(cleanupPk(this.region), limit);
    return items.map((item) => ({
      keyId: item.keyId as string,
      account: item.account as string,
      multiRegion: item.multiRegion === true,
      sharedOwner: item.sharedOwner === true,
    }));
  }

  async cleanupKey(entry: CleanupEntry): Promise<number> {
    let deleted = 0;
    // Aliases that still point at the key (conditional: one moved meanwhile to another key stays).
    const { gsi1pk } = aliasByKey(this.region, entry.keyId, '');
    for (const alias of await this.queryAll(gsi1pk, Infinity, 'gsi1')) {
      const ok = await succeeded(() =>
        this.db.send(
          new DeleteCommand({
            TableName: this.tableName,
            Key: aliasItem(this.region, alias.account as string, alias.aliasName as string),
            ConditionExpression: 'targetKeyId = :keyId',
            ExpressionAttributeValues: { ':keyId': entry.keyId },
          }),
        ),
      );
      if (ok) deleted++;
    }
    // Every grant item of the key (grants, grantee copies, names, count, tombstones) is in one partition.
    deleted += await this.deletePartition(grantPartition(this.region, entry.keyId));
    // Material of a multi-region key is shared with its replicas: only the primary, deleted last, takes it along.
    if (!entry.multiRegion || entry.sharedOwner) deleted += await this.deletePartition(materialItem(entry.keyId, '').pk);
    if (entry.sharedOwner) {
      await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: multiRegionItem(entry.keyId) }));
      deleted++;
    }
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: pendingDeletionUseItem(this.region, entry.keyId) }));
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: cleanupItem(this.region, entry.keyId) }));
    return deleted;
  }

  async recordPendingDeletionUse(key: KeyRecord, at: number, operation: string): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: pendingDeletionUseItem(this.region, key.keyId),
        // An atomic counter: concurrent refused requests each count once.
        UpdateExpression:
          'SET entity = :entity, account = :account, keyArn = :arn, lastUse = :at, lastOperation = :op, notifiedCount = if_not_exists(notifiedCount, :zero), firstUse = if_not_exists(firstUse, :at) ADD #count :one',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: {
          ':entity': 'PendingDeletionUse',
          ':account': key.account,
          ':arn': key.arn,
          ':at': at,
          ':op': operation,
          ':zero': 0,
          ':one': 1,
        },
      }),
    );
  }

  async pendingDeletionUses(limit: number, after?: string): Promise<PendingDeletionUse[]> {
    const items = await this.queryAll(pendingDeletionUsePk(this.region), limit, undefined, after);
    return items.map((item) => ({
      keyId: item.sk as string,
      account: item.account as string,
      keyArn: item.keyArn as string,
      count: item.count as number,
      notifiedCount: (item.notifiedCount as number | undefined) ?? 0,
      firstUse: item.firstUse as number | undefined,
      lastUse: item.lastUse as number,
      lastOperation: item.lastOperation as string | undefined,
    }));
  }

  async markPendingDeletionUseNotified(keyId: string, previous: number, count: number): Promise<boolean> {
    return succeeded(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: pendingDeletionUseItem(this.region, keyId),
          UpdateExpression: 'SET notifiedCount = :count',
          // Two job runs at once: only the one that saw the current notifiedCount reports these attempts.
          ConditionExpression: 'attribute_exists(pk) AND notifiedCount = :previous',
          ExpressionAttributeValues: { ':count': count, ':previous': previous },
        }),
      ),
    );
  }

  async reportPendingDeletionUse(keyId: string, previous: number, count: number, outbox: OutboxEntry[]): Promise<boolean> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: pendingDeletionUseItem(this.region, keyId),
                UpdateExpression: 'SET notifiedCount = :count',
                // As in markPendingDeletionUseNotified: only the run that saw the current notifiedCount reports.
                ConditionExpression: 'attribute_exists(pk) AND notifiedCount = :previous',
                ExpressionAttributeValues: { ':count': count, ':previous': previous },
              },
            },
            ...outbox.map((entry) => ({
              Put: { TableName: this.tableName, Item: outboxItemOf(this.region, entry) },
            })),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) return false;
      throw error;
    }
  }

  async failedRegions(): Promise<FailedRegion[]> {
    const items = await this.queryAll(failedRegionPk(this.region), Infinity);
    return items.map((item) => ({
      failedRegion: item.sk as string,
      declaredAt: item.declaredAt as number,
      declaredBy: item.declaredBy as string,
      reason: item.reason as string | undefined,
    }));
  }

  async setFailedRegion(declaration: FailedRegion, withdraw: boolean, outbox: OutboxEntry[]): Promise<void> {
    const key = failedRegionItem(this.region, declaration.failedRegion);
    const change = withdraw
      ? { Delete: { TableName: this.tableName, Key: key } }
      : { Put: { TableName: this.tableName, Item: { ...key, entity: 'FailedRegion', ...declaration } } };
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          change,
          ...outbox.map((entry) => ({
            Put: { TableName: this.tableName, Item: outboxItemOf(this.region, entry) },
          })),
        ],
      }),
    );
  }

  async hasOnceMarker(key: string): Promise<boolean> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: onceItem(this.region, key), ConsistentRead: true }));
    return Item !== undefined;
  }

  async clearPendingDeletionUse(keyId: string, options: { onlyIfReported?: boolean } = {}): Promise<boolean> {
    return succeeded(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: pendingDeletionUseItem(this.region, keyId),
          // Attempts no alarm has reported yet stay for the job, which reports them and then forgets them.
          ...(options.onlyIfReported
            ? { ConditionExpression: '#count = notifiedCount', ExpressionAttributeNames: { '#count': 'count' } }
            : { ConditionExpression: 'attribute_exists(pk)' }),
        }),
      ),
    );
  }

  private async queryAll(pk: string, limit: number, indexName?: string, after?: string): Promise<Key[]> {
    const items: Key[] = [];
    // `after` (a sort key of the base table) resumes a partition after that item.
    let start: Key | undefined = after !== undefined && !indexName ? { pk, sk: after } : undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: indexName ? 'gsi1pk = :pk' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: indexName ? undefined : true,
          ExclusiveStartKey: start,
          Limit: Number.isFinite(limit) ? limit - items.length : undefined,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start && items.length < limit);
    return items;
  }

  private async deletePartition(pk: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      const items = await this.queryAll(pk, 100);
      if (items.length === 0) return deleted;
      for (let i = 0; i < items.length; i += 25) {
        let requests = items.slice(i, i + 25).map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
        for (let attempt = 0; requests.length > 0; attempt++) {
          const out = await this.db.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
          requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
          if (requests.length > 0) await new Promise((r) => setTimeout(r, 20 * (attempt + 1)));
        }
      }
      deleted += items.length;
    }
  }
}

/** `KEY#<region>#<keyId>` -> keyId. */
/** The key id at the end of a key item's or shared item's partition key (KEY#<region>#<id>, MRK#<id>). */
function keyIdOf(pk: string): string {
  return pk.slice(pk.lastIndexOf('#') + 1);
}

async function succeeded(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
