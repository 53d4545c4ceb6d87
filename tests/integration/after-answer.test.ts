/**
 * In Lambda the informational writes of a request, its credential's last use and its key's, start only
 * once the invocation has its answer (functions/api/app.ts), so that a cold start's first request does
 * not make and send them before answering; they still start, on the event loop's next turn. Locally
 * they go as they come. The API handler is driven as Lambda drives it, SigV4-signed, over the test
 * service's table.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createApiHandler, type ApiHandlerOptions } from '../../functions/api/app.js';
import { fileSinks } from '../../shared/adapters/file-sinks.js';
import { loadConfig } from '../../shared/config.js';
import { createServices } from '../../shared/services.js';
import { credentialUseItem, keyUsageItem } from '../../shared/store/item-keys.js';
import { signKmsRequest } from '../support/sign.js';
import { createKey, REGION } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kms-after-answer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const STAGE_URL = 'https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/';
const context = { awsRequestId: 'lambda-request', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

/** The API handler over the test table, and the UpdateItems its store client has started, in order. */
function api(name: string, options: ApiHandlerOptions) {
  const cfg = loadConfig({
    KMS_TABLE_NAME: process.env.KMS_TABLE_NAME,
    KMS_DYNAMODB_ENDPOINT: process.env.KMS_DYNAMODB_ENDPOINT,
    KMS_ROOT_KEY_FILE: join(process.env.KMS_DATA_DIR ?? '', 'root-key'),
    KMS_DATA_DIR: join(dir, name),
    KMS_AUTH_MODE: 'service',
  });
  const updates: string[] = [];
  const observed = (db: DynamoDBDocumentClient): DynamoDBDocumentClient => {
    const send = db.send.bind(db) as (command: unknown) => Promise<unknown>;
    db.send = ((command: { constructor: { name: string }; input: { Key?: { pk?: string } } }) => {
      if (command.constructor.name === 'UpdateCommand') updates.push(String(command.input.Key?.pk));
      return send(command);
    }) as typeof db.send;
    return db;
  };
  const services = createServices(cfg, { sinks: fileSinks(join(dir, name)), wrapClient: observed });
  return { handler: createApiHandler(cfg, services, options), updates };
}

/** A signed Encrypt as API Gateway delivers it. */
async function encryptEvent(keyId: string): Promise<APIGatewayProxyEvent> {
  const signed = await signKmsRequest({ endpoint: STAGE_URL, operation: 'Encrypt', input: { KeyId: keyId, Plaintext: Buffer.from('later').toString('base64') } });
  return {
    resource: '/', path: '/', httpMethod: 'POST', body: signed.body, isBase64Encoded: false, headers: signed.headers,
    multiValueHeaders: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null, multiValueQueryStringParameters: null, pathParameters: null, stageVariables: null,
    requestContext: { path: '/', stage: 'dev', requestId: 'after-answer', httpMethod: 'POST', identity: { sourceIp: '203.0.113.7', userAgent: 'test' } },
  } as unknown as APIGatewayProxyEvent;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('in Lambda, the last uses of the credential and the key are written after the answer, on the next turn', async () => {
  const { KeyId } = await createKey({ Description: 'after the answer' });
  const { handler, updates } = api('lambda', { flush: 'invocation' });
  const response = await handler(await encryptEvent(KeyId!), context);
  assert.equal(response.statusCode, 200, response.body);
  assert.deepEqual(updates, [], 'no write started before the answer');
  await turn();
  // The caller's credential (test/test) and the key, each written once.
  assert.deepEqual(updates.sort(), [credentialUseItem(REGION, 'test').pk, keyUsageItem(REGION, KeyId!).pk].sort());
});

test('locally, the credential use is written while the request runs', async () => {
  const { KeyId } = await createKey({ Description: 'as they come' });
  const { handler, updates } = api('local', { flush: 'timer' });
  const response = await handler(await encryptEvent(KeyId!), context);
  assert.equal(response.statusCode, 200, response.body);
  assert.ok(updates.includes(credentialUseItem(REGION, 'test').pk), `started during the request: ${updates.join(', ')}`);
});
