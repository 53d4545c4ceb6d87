/**
 * The local runtime's reset (`POST /!admin/reset`): empties every region's table so that a test suite
 * starts clean without a restart. Service credentials (`CREDENTIALS`, `CREDENTIAL_USE#…`) stay, as does
 * the root key in the data directory; everything else (keys, aliases, grants, materials, outbox, job
 * markers) goes.
 */
import { BatchWriteItemCommand, DynamoDBClient, ScanCommand, type AttributeValue, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { DYNAMODB_LOCAL_CREDENTIALS } from '../../shared/services.js';

const BATCH = 25;
const kept = (pk: string | undefined) => pk === 'CREDENTIALS' || (pk?.startsWith('CREDENTIAL_USE#') ?? false);

/** Deletes every item but the credentials' from `region`'s table; returns how many went. */
export async function emptyTable(endpoint: string, tableName: string, region: string): Promise<number> {
  const db = new DynamoDBClient({ endpoint, region, credentials: DYNAMODB_LOCAL_CREDENTIALS });
  let deleted = 0;
  try {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await db.send(new ScanCommand({ TableName: tableName, ProjectionExpression: 'pk, sk', ExclusiveStartKey: start, ConsistentRead: true }));
      const keys = (page.Items ?? []).filter((item) => !kept(item.pk?.S));
      for (let at = 0; at < keys.length; at += BATCH) {
        let pending: WriteRequest[] = keys.slice(at, at + BATCH).map((Key) => ({ DeleteRequest: { Key } }));
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));
          const out = await db.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
          pending = out.UnprocessedItems?.[tableName] ?? [];
        }
      }
      deleted += keys.length;
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    db.destroy();
  }
  return deleted;
}
