/** The KeyUsageStore on DynamoDB: one item beside each key (`KEY#<region>#<keyId>` / `LAST_USAGE`), written by its region only. */
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keyUsageItem } from './item-keys.js';
import type { KeyUsage, KeyUsageStore } from './ports.js';

export class DynamoKeyUsageStore implements KeyUsageStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly region: string,
  ) {}

  async recordUsage(keyId: string, usage: KeyUsage): Promise<void> {
    await this.db
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keyUsageItem(this.region, keyId),
          UpdateExpression: 'SET entity = :entity, #op = :op, #at = :at, eventId = :eventId, requestId = :requestId',
          // Another instance may have stored a later use: time never moves back.
          ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
          ExpressionAttributeNames: { '#op': 'operation', '#at': 'at' },
          ExpressionAttributeValues: { ':entity': 'KeyUsage', ':op': usage.operation, ':at': usage.at, ':eventId': usage.eventId, ':requestId': usage.requestId },
        }),
      )
      .catch((error: unknown) => {
        if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
      });
  }

  async lastUsage(keyId: string): Promise<KeyUsage | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keyUsageItem(this.region, keyId) }));
    if (!Item) return undefined;
    return { operation: String(Item.operation), at: Number(Item.at), eventId: String(Item.eventId), requestId: String(Item.requestId) };
  }
}
