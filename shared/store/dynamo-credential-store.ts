/**
 * The CredentialStore on DynamoDB. Credentials are one partition (`CREDENTIALS`), a global item of the
 * global table: the API of every region reads it from its own replica, so a region authenticates callers
 * while another is down. Every change is conditional on the revision read and carries its audit record
 * (outbox) in the same transaction. Last use goes to per-region items (`CREDENTIAL_USE#<region>`): an
 * update of the credential item itself from every region would race, last writer wins, with an
 * operator's disable in the primary region and could undo it.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CredentialRecord } from '../core/credentials.js';
import { ConditionFailedError, type CredentialStore } from './ports.js';
import { type OutboxEntry } from '../core/sinks.js';
import { credentialItem, credentialsPk, credentialUseItem, credentialUsePk } from './item-keys.js';
import { outboxItemOf } from './outbox-item.js';

type Item = Record<string, unknown>;

export class DynamoCredentialStore implements CredentialStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The region whose outbox receives the audit records and whose use items this store writes. */
    private readonly region: string,
  ) {}

  async getCredential(accessKeyId: string, options: { consistent?: boolean } = {}): Promise<CredentialRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: credentialItem(accessKeyId), ConsistentRead: options.consistent === true }),
    );
    return Item ? recordOf(Item) : undefined;
  }

  async listCredentials(): Promise<CredentialRecord[]> {
    return (await this.queryAll(credentialsPk)).map(recordOf);
  }

  async putCredential(next: CredentialRecord, outbox: OutboxEntry[]): Promise<void> {
    const condition =
      next.revision === 1
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: '#revision = :previous', ExpressionAttributeNames: { '#revision': 'revision' }, ExpressionAttributeValues: { ':previous': next.revision - 1 } };
    await this.transact({ Put: { TableName: this.tableName, Item: itemOf(next), ...condition } }, outbox);
  }

  async deleteCredential(current: CredentialRecord, outbox: OutboxEntry[]): Promise<void> {
    await this.transact(
      {
        Delete: {
          TableName: this.tableName,
          Key: credentialItem(current.accessKeyId),
          // Not a credential someone changed since it was read (e.g. enabled again).
          ConditionExpression: '#revision = :current',
          ExpressionAttributeNames: { '#revision': 'revision' },
          ExpressionAttributeValues: { ':current': current.revision },
        },
      },
      outbox,
    );
  }

  async recordUse(accessKeyId: string, at: number): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: credentialUseItem(this.region, accessKeyId),
          UpdateExpression: 'SET lastUsedAt = :at, entity = :entity',
          // A slower instance must not move the time back.
          ConditionExpression: 'attribute_not_exists(lastUsedAt) OR lastUsedAt < :at',
          ExpressionAttributeValues: { ':at': at, ':entity': 'CredentialUse' },
        }),
      )
      .catch((error: unknown) => {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      });
  }

  async lastUses(regions: readonly string[]): Promise<Map<string, number>> {
    const uses = new Map<string, number>();
    for (const region of regions) {
      for (const item of await this.queryAll(credentialUsePk(region))) {
        const at = item.lastUsedAt as number;
        const id = item.sk as string;
        if ((uses.get(id) ?? 0) < at) uses.set(id, at);
      }
    }
    return uses;
  }

  private async transact(change: Item, outbox: OutboxEntry[]): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [change, ...outbox.map((entry) => ({ Put: { TableName: this.tableName, Item: outboxItemOf(this.region, entry) } }))],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException && error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') {
        throw new ConditionFailedError('the credential changed meanwhile');
      }
      throw error;
    }
  }

  private async queryAll(pk: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ExclusiveStartKey: start,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

function itemOf(record: CredentialRecord): Item {
  return {
    ...credentialItem(record.accessKeyId),
    entity: 'Credential',
    accessKeyId: record.accessKeyId,
    sealedSecret: record.sealedSecret,
    principalArn: record.principalArn,
    accountId: record.accountId,
    kind: record.kind,
    callerId: record.callerId,
    sessionTokenHash: record.sessionTokenHash,
    vpcEndpointId: record.vpcEndpointId,
    status: record.status,
    origin: record.origin,
    description: record.description,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    revision: record.revision,
  };
}

function recordOf(item: Item): CredentialRecord {
  const optional = <T>(name: string) => (item[name] === undefined ? {} : { [name]: item[name] as T });
  return {
    accessKeyId: item.accessKeyId as string,
    sealedSecret: Buffer.from(item.sealedSecret as Uint8Array),
    principalArn: item.principalArn as string,
    accountId: item.accountId as string,
    kind: item.kind as CredentialRecord['kind'],
    callerId: item.callerId as string,
    ...optional<string>('sessionTokenHash'),
    ...optional<string>('vpcEndpointId'),
    ...optional<string>('description'),
    status: item.status as CredentialRecord['status'],
    origin: item.origin as CredentialRecord['origin'],
    createdAt: item.createdAt as number,
    updatedAt: item.updatedAt as number,
    revision: item.revision as number,
  };
}
