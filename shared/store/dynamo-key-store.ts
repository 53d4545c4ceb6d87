/**
 * The KeyStore of one region on DynamoDB (lib-dynamodb). Every write is conditional, so racing requests
 * cannot lose an update: key writes check the revision they were computed from, creations check that
 * nothing exists yet. Failed conditions surface as ConditionFailedError for the operation to translate.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { AliasRecord, KeyRecord, WrappedMaterial } from '../core/types.js';
import { ConditionFailedError, type KeyEffects, type KeyStore, type Page } from './ports.js';
import { type OutboxEntry } from '../core/sinks.js';
import { sharedDueAttributes } from './due-index.js';
import { aliasToItem, keyToItem, materialToItem, SCHEMA_VERSION, storedKey, toAlias, toKey, toMaterial } from './key-items.js';
import { isPrimary, settled } from '../core/multi-region.js';
import { hasWrappedBytes } from '../core/imported-material.js';
import { sharedFields, withShared } from './multi-region-item.js';
import {
  aliasByKey,
  aliasItem,
  aliasPk,
  cleanupItem,
  keyItem,
  keyListItem,
  keyUsageItem,
  keyListPk,
  materialItem,
  multiRegionItem,
  onceItem,
} from './item-keys.js';
import { outboxItemOf } from './outbox-item.js';

/** Once-only markers are kept a week (TTL), far longer than any retry of the event that set them. */
const ONCE_TTL_SECONDS = 7 * 86_400;

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];


export class DynamoKeyStore implements KeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly region: string,
  ) {}

  async getKey(keyId: string): Promise<KeyRecord | undefined> {
    const get = (Key: Record<string, string>) => this.db.send(new GetCommand({ TableName: this.tableName, Key, ConsistentRead: true }));
    if (!keyId.startsWith('mrk-')) {
      const { Item } = await get(keyItem(this.region, keyId));
      return Item ? toKey(Item) : undefined;
    }
    // A multi-region key: this region's key item, with the properties all regions share laid over it.
    const [own, shared] = await Promise.all([get(keyItem(this.region, keyId)), get(multiRegionItem(keyId))]);
    return own.Item ? settled(withShared(toKey(own.Item), shared.Item), Date.now()) : undefined;
  }

  async createKey(key: KeyRecord, material?: WrappedMaterial, alias?: AliasRecord): Promise<void> {
    const items: TransactItem[] = [
      // A fresh random id cannot exist; the condition guards against the impossible anyway.
      { Put: { TableName: this.tableName, Item: keyToItem(key), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: this.tableName, Item: { ...keyListItem(key.region, key.account, key.keyId), entity: 'KeyListEntry' } } },
    ];
    if (material) {
      items.push({
        Put: { TableName: this.tableName, Item: materialToItem(material), ConditionExpression: 'attribute_not_exists(pk)' },
      });
    }
    if (isPrimary(key)) items.push(this.sharedPut(key, key.region));
    if (alias) {
      items.push({ Put: { TableName: this.tableName, Item: aliasToItem(alias), ConditionExpression: 'attribute_not_exists(pk)' } });
    }
    await conditional(() => this.db.send(new TransactWriteCommand({ TransactItems: items })));
  }

  async updateKey(next: KeyRecord): Promise<void> {
    // A multi-region primary writes the shared item with its key item, in one transaction.
    if (isPrimary(next)) return this.commitKey(next, {});
    await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: keyToItem(next),
          // Optimistic lock: only if nobody wrote the key since we read revision next.revision - 1.
          ConditionExpression: 'attribute_exists(pk) AND revision = :read',
          ExpressionAttributeValues: { ':read': next.revision - 1 },
          // The winner's key comes back with the failure: the retry needs no read of its own.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  async commitKey(next: KeyRecord, effects: KeyEffects): Promise<void> {
    const items: TransactItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: keyToItem(next),
          // Optimistic lock, as in updateKey: the change was computed from revision next.revision - 1.
          ConditionExpression: 'attribute_exists(pk) AND revision = :read',
          ExpressionAttributeValues: { ':read': next.revision - 1 },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ];
    for (const material of effects.putMaterials ?? []) {
      // A material id is never reused for other bytes: an existing item means a conflicting writer.
      items.push({ Put: { TableName: this.tableName, Item: materialToItem(material), ConditionExpression: 'attribute_not_exists(pk)' } });
    }
    for (const material of effects.replaceMaterials ?? []) {
      // An imported material's record changes (re-imported, undone, made current): only while it exists.
      items.push({ Put: { TableName: this.tableName, Item: materialToItem(material), ConditionExpression: 'attribute_exists(pk)' } });
    }
    for (const keyMaterialId of effects.deleteMaterials ?? []) {
      items.push({ Delete: { TableName: this.tableName, Key: materialItem(next.keyId, keyMaterialId) } });
    }
    const sharedSource = effects.sharedFrom ?? (isPrimary(next) ? next : undefined);
    if (sharedSource) items.push(this.sharedPut(sharedSource, next.region));
    items.push(...this.outboxPuts(next.region, effects.outbox ?? []));
    if (effects.idempotencyKey !== undefined) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...onceItem(this.region, effects.idempotencyKey), entity: 'Once', expiresAt: Math.floor(Date.now() / 1000) + ONCE_TTL_SECONDS },
          // The work this marker stands for was done already: fail the whole transaction.
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    await conditional(() => this.db.send(new TransactWriteCommand({ TransactItems: items })));
  }

  async deleteKey(key: KeyRecord, outbox: OutboxEntry[]): Promise<void> {
    const items: TransactItem[] = [
      {
        Delete: {
          TableName: this.tableName,
          Key: keyItem(key.region, key.keyId),
          // Only the state the caller checked (e.g. PendingDeletion past its date) may be deleted.
          ConditionExpression: 'revision = :read',
          ExpressionAttributeValues: { ':read': key.revision },
        },
      },
      { Delete: { TableName: this.tableName, Key: keyListItem(key.region, key.account, key.keyId) } },
      { Delete: { TableName: this.tableName, Key: keyUsageItem(key.region, key.keyId) } },
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...cleanupItem(key.region, key.keyId),
            entity: 'Cleanup',
            keyId: key.keyId,
            account: key.account,
            multiRegion: key.multiRegion,
            // The last key of a multi-region key is its primary: its material and shared item go with it.
            sharedOwner: isPrimary(key),
          },
        },
      },
      ...this.outboxPuts(key.region, outbox),
    ];
    await conditional(() => this.db.send(new TransactWriteCommand({ TransactItems: items })));
  }

  async listMaterials(keyId: string): Promise<WrappedMaterial[]> {
    const materials: WrappedMaterial[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': materialItem(keyId, '').pk },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      materials.push(...(page.Items ?? []).map(toMaterial));
      start = page.LastEvaluatedKey;
    } while (start);
    return materials.sort((a, b) => a.createdAt - b.createdAt || (a.rotationDate ?? 0) - (b.rotationDate ?? 0));
  }

  /**
   * The shared item of a multi-region key, from the record of its primary (`source`), written by
   * `writerRegion` only while that region is the primary (single writer; UpdatePrimaryRegion hands over).
   */
  private sharedPut(source: KeyRecord, writerRegion: string): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: {
          ...multiRegionItem(source.keyId),
          entity: 'MultiRegionKey',
          schemaVersion: SCHEMA_VERSION,
          keyId: source.keyId,
          account: source.account,
          ...sharedFields(source),
          ...sharedDueAttributes(source),
        },
        ConditionExpression: 'attribute_not_exists(pk) OR primaryRegion = :writer',
        ExpressionAttributeValues: { ':writer': writerRegion },
      },
    };
  }

  private outboxPuts(region: string, outbox: OutboxEntry[]): TransactItem[] {
    return outbox.map((entry) => ({
      Put: { TableName: this.tableName, Item: outboxItemOf(region, entry) },
    }));
  }

  async listKeys(account: string, limit: number, after?: string): Promise<Page<string>> {
    const page = await this.queryPage(keyListPk(this.region, account), limit, after);
    return { items: page.items.map((item) => item.sk as string), next: page.next };
  }

  async getMaterial(keyId: string, keyMaterialId: string): Promise<WrappedMaterial | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: materialItem(keyId, keyMaterialId), ConsistentRead: true }),
    );
    return Item && hasWrappedBytes(Item) ? toMaterial(Item) : undefined;
  }

  async getAlias(account: string, aliasName: string): Promise<AliasRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: aliasItem(this.region, account, aliasName), ConsistentRead: true }),
    );
    return Item ? toAlias(Item) : undefined;
  }

  async createAlias(alias: AliasRecord): Promise<void> {
    await conditional(() =>
      this.db.send(
        // Alias names are unique per account and region.
        new PutCommand({ TableName: this.tableName, Item: aliasToItem(alias), ConditionExpression: 'attribute_not_exists(pk)' }),
      ),
    );
  }

  async updateAlias(alias: AliasRecord, previousTargetKeyId: string): Promise<void> {
    await conditional(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: aliasToItem(alias),
          // Only move the alias if it still points where the caller's checks saw it point.
          ConditionExpression: 'targetKeyId = :previous',
          ExpressionAttributeValues: { ':previous': previousTargetKeyId },
        }),
      ),
    );
  }

  async deleteAlias(account: string, aliasName: string): Promise<void> {
    await conditional(() =>
      this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: aliasItem(this.region, account, aliasName),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      ),
    );
  }

  async listAliases(account: string, limit: number, after?: string): Promise<Page<AliasRecord>> {
    const page = await this.queryPage(aliasPk(this.region, account), limit, after);
    return { items: page.items.map(toAlias), next: page.next };
  }

  async listAliasesOfKey(keyId: string, limit: number, after?: string): Promise<Page<AliasRecord>> {
    const { gsi1pk } = aliasByKey(this.region, keyId, '');
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: after ? 'gsi1pk = :pk AND gsi1sk > :after' : 'gsi1pk = :pk',
        ExpressionAttributeValues: after ? { ':pk': gsi1pk, ':after': `ALIAS#${after}` } : { ':pk': gsi1pk },
        Limit: limit + 1,
      }),
    );
    const items = Items.slice(0, limit).map(toAlias);
    return { items, next: Items.length > limit ? items[items.length - 1]?.aliasName : undefined };
  }

  /** One page of a partition in sort-key order; asks for one extra item to know whether more follow. */
  private async queryPage(pk: string, limit: number, after?: string) {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: after ? 'pk = :pk AND sk > :after' : 'pk = :pk',
        ExpressionAttributeValues: after ? { ':pk': pk, ':after': after } : { ':pk': pk },
        ConsistentRead: true,
        Limit: limit + 1,
      }),
    );
    const items = Items.slice(0, limit);
    return { items, next: Items.length > limit ? (items[items.length - 1]?.sk as string) : undefined };
  }
}

async function conditional<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) throw new ConditionFailedError(error.message, storedKey(error.Item));
    if (error instanceof TransactionCanceledException && error.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')) {
      // The key's own write is the first item of every transaction here.
      const first = error.CancellationReasons[0];
      throw new ConditionFailedError(error.message, first?.Code === 'ConditionalCheckFailed' ? storedKey(first.Item) : undefined);
    }
    throw error;
  }
}
