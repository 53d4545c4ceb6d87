/** Direct reads of the service's DynamoDB table (DynamoDB Local), for tests that check what is stored. */
import { DynamoDBClient, ListTablesCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DYNAMODB_LOCAL_CREDENTIALS } from '../../shared/services.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (tests/run.ts sets it)`);
  return value;
}

/** Every item of the table of `region`, unmarshalled. */
export async function scanTable(region: string): Promise<Record<string, unknown>[]> {
  const db = new DynamoDBClient({ region, endpoint: env('KMS_DYNAMODB_ENDPOINT'), credentials: DYNAMODB_LOCAL_CREDENTIALS });
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: db }, { TableName: env('KMS_TABLE_NAME') })) {
    for (const item of page.Items ?? []) items.push(unmarshall(item));
  }
  db.destroy();
  return items;
}

/** The tables DynamoDB Local holds for `region` (the service makes a region's table on its first use). */
export async function tableNames(region: string): Promise<string[]> {
  const db = new DynamoDBClient({ region, endpoint: env('KMS_DYNAMODB_ENDPOINT'), credentials: DYNAMODB_LOCAL_CREDENTIALS });
  try {
    return (await db.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    db.destroy();
  }
}
