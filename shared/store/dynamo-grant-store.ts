/**
 * The GrantStore of one region on DynamoDB, in the service's single table (item layout in
 * shared/grants/item-keys.ts). Every write is conditional and every change to a grant is one
 * transaction over the grant, its grantee copy, its name entry, the key's grant count and (on removal)
 * its tombstone, so racing CreateGrant / RetireGrant / RevokeGrant requests can neither lose a grant,
 * exceed the quota, nor leave half a grant behind.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionFailedError, type Page } from './ports.js';
import {
  GRANT_PREFIX,
  grantByRetiring,
  grantCountItem,
  granteeItem,
  granteePrefix,
  grantItem,
  grantNameItem,
  grantPartition,
  grantTombstoneItem,
  prefixRange,
  retiringPk,
} from './grant-item-keys.js';
import { granteeMatchKey, TOMBSTONE_RETENTION_MS } from '../grants/rules.js';
import type { GrantStore } from './grant-store.js';
import type { CreateGrantOutcome, GrantRecord, GrantRemoval, GrantTombstone } from '../grants/types.js';

const SCHEMA_VERSION = 1;

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

export class DynamoGrantStore implements GrantStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly region: string,
  ) {}

  async createGrant(grant: GrantRecord, maxGrantsPerKey: number): Promise<CreateGrantOutcome> {
    const items: TransactItem[] = [
      // A fresh random grant id cannot exist; the conditions guard against the impossible anyway.
      { Put: { TableName: this.tableName, Item: this.grantToItem(grant), ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: this.tableName, Item: this.granteeEntry(grant), ConditionExpression: 'attribute_not_exists(pk)' } },
      {
        Update: {
          TableName: this.tableName,
          Key: grantCountItem(this.region, grant.keyId),
          // The quota: count this grant only while the key has fewer than the maximum.
          UpdateExpression: 'SET grantCount = if_not_exists(grantCount, :zero) + :one, entity = :entity',
          ConditionExpression: 'attribute_not_exists(grantCount) OR grantCount < :max',
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':max': maxGrantsPerKey, ':entity': 'GrantCount' },
        },
      },
    ];
    const countIndex = 2;
    if (grant.nameKey !== undefined) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...grantNameItem(this.region, grant.keyId, grant.nameKey), entity: 'GrantName', grantId: grant.grantId, name: grant.name },
          // Idempotent CreateGrant: a second request with the same name and parameters finds the first grant.
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    const nameIndex = grant.nameKey !== undefined ? 3 : -1;
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
      return { kind: 'created' };
    } catch (error) {
      const failed = failedConditions(error);
      if (!failed) throw error;
      if (failed.includes(nameIndex)) {
        const existing = await this.grantIdByName(grant.keyId, grant.nameKey!);
        // Gone again in between (retired): the caller may simply retry.
        if (!existing) throw new ConditionFailedError('named grant vanished during CreateGrant');
        return { kind: 'exists', grantId: existing };
      }
      if (failed.includes(countIndex)) return { kind: 'limit' };
      throw new ConditionFailedError('CreateGrant condition failed');
    }
  }

  async getGrant(keyId: string, grantId: string): Promise<GrantRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: grantItem(this.region, keyId, grantId), ConsistentRead: true }),
    );
    return Item ? toGrant(Item) : undefined;
  }

  async getTombstone(keyId: string, grantId: string): Promise<GrantTombstone | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: grantTombstoneItem(this.region, keyId, grantId), ConsistentRead: true }),
    );
    return Item
      ? { grantId: Item.grantId, keyId: Item.keyId, removal: Item.removal as GrantRemoval, removedAt: Item.removedAt }
      : undefined;
  }

  async listGrants(keyId: string, limit: number, after?: string): Promise<Page<GrantRecord>> {
    return this.queryPrefix(keyId, GRANT_PREFIX, limit, after);
  }

  async listGrantsOfGrantee(
    keyId: string,
    grantee: { principal?: string; servicePrincipal?: string },
    limit: number,
    after?: string,
  ): Promise<Page<GrantRecord>> {
    const exact = grantee.servicePrincipal ?? grantee.principal ?? '';
    return this.queryPrefix(keyId, granteePrefix(granteeMatchKey(grantee), exact), limit, after);
  }

  async listRetirableGrants(
    retiring: { principal?: string; servicePrincipal?: string },
    limit: number,
    after?: string,
  ): Promise<Page<GrantRecord>> {
    const pk = retiringPk(this.region, retiring.servicePrincipal ?? retiring.principal ?? '');
    // GSI reads are eventually consistent, as AWS documents ListRetirableGrants to be.
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: after ? 'gsi1pk = :pk AND gsi1sk > :after' : 'gsi1pk = :pk',
        ExpressionAttributeValues: after ? { ':pk': pk, ':after': after } : { ':pk': pk },
        Limit: limit + 1,
      }),
    );
    const page = Items.slice(0, limit);
    return {
      items: page.map(toGrant),
      next: Items.length > limit ? (page[page.length - 1]?.gsi1sk as string | undefined) : undefined,
    };
  }

  async grantsForMatchKeys(keyId: string, matchKeys: readonly string[]): Promise<GrantRecord[]> {
    const lists = await Promise.all(matchKeys.map((matchKey) => this.allWithPrefix(keyId, granteePrefix(matchKey))));
    return lists.flat();
  }

  async deleteGrant(grant: GrantRecord, removal: GrantRemoval, at: number): Promise<void> {
    const items: TransactItem[] = [
      // Only a grant that still exists is removed: of two racing removals exactly one succeeds.
      { Delete: { TableName: this.tableName, Key: grantItem(this.region, grant.keyId, grant.grantId), ConditionExpression: 'attribute_exists(pk)' } },
      { Delete: { TableName: this.tableName, Key: this.granteeKey(grant), ConditionExpression: 'attribute_exists(pk)' } },
      {
        Update: {
          TableName: this.tableName,
          Key: grantCountItem(this.region, grant.keyId),
          UpdateExpression: 'SET grantCount = grantCount - :one',
          // The count exists and is positive while the key has a grant; never let it go negative.
          ConditionExpression: 'grantCount > :zero',
          ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
        },
      },
      {
        Put: {
          TableName: this.tableName,
          Item: {
            ...grantTombstoneItem(this.region, grant.keyId, grant.grantId),
            entity: 'GrantTombstone',
            schemaVersion: SCHEMA_VERSION,
            grantId: grant.grantId,
            keyId: grant.keyId,
            removal,
            removedAt: at,
            // Epoch seconds, the unit DynamoDB TTL reads; see TOMBSTONE_RETENTION_MS.
            expiresAt: Math.ceil((at + TOMBSTONE_RETENTION_MS) / 1000),
          },
          // A grant id is removed once; a tombstone already there means the state is corrupt.
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    if (grant.nameKey !== undefined) {
      items.push({
        Delete: {
          TableName: this.tableName,
          Key: grantNameItem(this.region, grant.keyId, grant.nameKey),
          // Free the name for a new grant with the same parameters, but only our own entry.
          ConditionExpression: 'attribute_not_exists(pk) OR grantId = :grantId',
          ExpressionAttributeValues: { ':grantId': grant.grantId },
        },
      });
    }
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (failedConditions(error)) throw new ConditionFailedError('grant already removed');
      throw error;
    }
  }

  private async grantIdByName(keyId: string, nameKey: string): Promise<string | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: grantNameItem(this.region, keyId, nameKey), ConsistentRead: true }),
    );
    return Item?.grantId as string | undefined;
  }

  /** One page of the key's partition within a sort-key prefix; `after` is a grant id. */
  private async queryPrefix(keyId: string, prefix: string, limit: number, after?: string): Promise<Page<GrantRecord>> {
    const { start, end } = prefixRange(prefix, after);
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :start AND :end',
        ExpressionAttributeValues: { ':pk': grantPartition(this.region, keyId), ':start': start, ':end': end },
        ConsistentRead: true,
        Limit: limit + 1,
      }),
    );
    const page = Items.slice(0, limit).map(toGrant);
    return { items: page, next: Items.length > limit ? page[page.length - 1]?.grantId : undefined };
  }

  private async allWithPrefix(keyId: string, prefix: string): Promise<GrantRecord[]> {
    const out: GrantRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const { start: from, end } = prefixRange(prefix);
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :start AND :end',
          ExpressionAttributeValues: { ':pk': grantPartition(this.region, keyId), ':start': from, ':end': end },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) out.push(toGrant(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  private granteeKey(grant: GrantRecord) {
    const grantee = { principal: grant.granteePrincipal, servicePrincipal: grant.granteeServicePrincipal };
    return granteeItem(this.region, grant.keyId, granteeMatchKey(grantee), grant.granteeServicePrincipal ?? grant.granteePrincipal ?? '', grant.grantId);
  }

  private grantToItem(grant: GrantRecord) {
    const retiring = grant.retiringServicePrincipal ?? grant.retiringPrincipal;
    return {
      ...grantItem(this.region, grant.keyId, grant.grantId),
      ...(retiring !== undefined ? grantByRetiring(this.region, retiring, grant.keyId, grant.grantId) : {}),
      entity: 'Grant',
      schemaVersion: SCHEMA_VERSION,
      ...grant,
      ...storedConstraints(grant),
    };
  }

  /** The grant again, under its grantee (no GSI attributes: ListRetirableGrants must see each grant once). */
  private granteeEntry(grant: GrantRecord) {
    return { ...this.granteeKey(grant), entity: 'GrantGranteeEntry', schemaVersion: SCHEMA_VERSION, ...grant, ...storedConstraints(grant) };
  }
}

/** The indexes of the transaction items whose condition failed, or undefined for any other error. */
function failedConditions(error: unknown): number[] | undefined {
  if (error instanceof ConditionalCheckFailedException) return [0];
  if (error instanceof TransactionCanceledException) {
    const reasons = error.CancellationReasons ?? [];
    const failed = reasons.flatMap((reason, index) => (reason.Code === 'ConditionalCheckFailed' ? [index] : []));
    return failed.length > 0 ? failed : undefined;
  }
  return undefined;
}

function toGrant(item: Record<string, any>): GrantRecord {
  const grant: GrantRecord = {
    grantId: item.grantId,
    keyId: item.keyId,
    keyArn: item.keyArn,
    region: item.region,
    keyAccount: item.keyAccount,
    issuingAccount: item.issuingAccount,
    creationDate: item.creationDate,
    operations: item.operations,
  };
  for (const field of ['name', 'granteePrincipal', 'granteeServicePrincipal', 'retiringPrincipal', 'retiringServicePrincipal', 'nameKey'] as const) {
    if (item[field] !== undefined) grant[field] = item[field];
  }
  if (item.constraints !== undefined) grant.constraints = typeof item.constraints === 'string' ? JSON.parse(item.constraints) : item.constraints;
  return grant;
}

/**
 * Constraints are stored as JSON text: their encryption-context keys are the client's, and the DynamoDB
 * marshaller builds maps by assignment, which would turn a key `__proto__` into a prototype and lose it.
 */
function storedConstraints(grant: GrantRecord) {
  return grant.constraints === undefined ? {} : { constraints: JSON.stringify(grant.constraints) };
}
