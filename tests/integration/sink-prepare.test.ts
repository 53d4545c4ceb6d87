/**
 * The audit sink gets ready (in AWS: its CloudWatch Logs stream) once the first store request is on its
 * way, not when the services are made: on a Lambda cold start its work then runs while the first read
 * is in flight, instead of before that read leaves. Once per instance.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fileSinks } from '../../shared/adapters/file-sinks.js';
import { encrypt } from '../../shared/operations/encrypt.js';
import { createServices } from '../../shared/services.js';
import { createKey } from './helpers.js';
import { serviceConfig } from './jobs.js';

const caller = { account: '111122223333', principalArn: 'arn:aws:iam::111122223333:root' };
const dir = mkdtempSync(join(tmpdir(), 'kms-sink-prepare-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('the audit sink gets ready when the first store request leaves', () => {
  it('not at creation; once, after the first store request was sent; never again', async () => {
    const keyId = (await createKey({ Description: 'sink prepare' })).KeyId!;
    const order: string[] = [];
    const sinks = { ...fileSinks(dir), audit: { write: async () => {}, prepare: () => void order.push('prepare') } };
    const record = (client: DynamoDBDocumentClient) => {
      client.middlewareStack.add(
        (next, context) => (args) => {
          order.push(`send ${context.commandName}`);
          return next(args);
        },
        { step: 'initialize', name: 'recordSends' },
      );
      return client;
    };
    const services = createServices(serviceConfig(60_000), { sinks, wrapClient: record });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(order.length, 0, 'nothing prepared before any store request');

    await encrypt({ KeyId: keyId, Plaintext: Buffer.from('first') } as never, services.context({ caller, region: 'us-east-1', requestId: 'first' }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(order.filter((entry) => entry === 'prepare').length, 1, order.join(', '));
    assert.ok(order.indexOf('prepare') > 0 && order[0]!.startsWith('send '), `prepared after the first send: ${order.join(', ')}`);

    // A cold key in another request, more store requests: no second preparation.
    const other = (await createKey({ Description: 'sink prepare, another key' })).KeyId!;
    await encrypt({ KeyId: other, Plaintext: Buffer.from('second') } as never, services.context({ caller, region: 'us-east-1', requestId: 'second' }));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(order.filter((entry) => entry === 'prepare').length, 1, order.join(', '));
    assert.ok(order.filter((entry) => entry.startsWith('send ')).length >= 3, order.join(', '));
  });

  it('a sink with nothing to prepare adds nothing to the store client', async () => {
    const keyId = (await createKey({ Description: 'sink prepare, none' })).KeyId!;
    const seen: string[] = [];
    const record = (client: DynamoDBDocumentClient) => {
      seen.push(...client.middlewareStack.identify());
      return client;
    };
    const services = createServices(serviceConfig(60_000), { sinks: fileSinks(dir), wrapClient: record });
    await encrypt({ KeyId: keyId, Plaintext: Buffer.from('x') } as never, services.context({ caller, region: 'us-east-1', requestId: 'x' }));
    assert.ok(seen.length > 0, 'the store client was made');
    assert.equal(seen.some((name) => name.includes('prepareSinksOnFirstSend')), false, seen.join(', '));
  });
});
