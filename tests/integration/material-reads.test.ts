/**
 * A cold key's material is read alongside the key (shared/keys/material-reads.ts). A fresh instance
 * over the service's table (a Lambda cold start) encrypts and decrypts with the key's read and its
 * materials' read in flight together, not one after the other; a warm instance reads neither; what a
 * request read ahead serves that request only, and a read ahead that missed or failed leaves the usual
 * read to do it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OperationContext } from '../../shared/context/operation-context.js';
import { storedMaterial } from '../../shared/keys/material-reads.js';
import { decrypt } from '../../shared/operations/decrypt.js';
import { encrypt } from '../../shared/operations/encrypt.js';
import { createServices } from '../../shared/services.js';
import { createAlias, createKey } from './helpers.js';
import { serviceConfig } from './jobs.js';

const REGION = 'us-east-1';
const caller = { account: '111122223333', principalArn: 'arn:aws:iam::111122223333:root' };

interface Read {
  command: string;
  /** The item's partition: `MATERIAL#…` for a key's materials. */
  pk: string;
  started: number;
  ended: number;
}

/** A fresh instance (its own caches and vault) whose DynamoDB commands are recorded, with their times. */
function instance() {
  const reads: Read[] = [];
  const record = (client: DynamoDBDocumentClient) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: { pk?: string }; ExpressionAttributeValues?: Record<string, unknown> };
        const read: Read = {
          command: context.commandName ?? '',
          pk: String(input.Key?.pk ?? input.ExpressionAttributeValues?.[':pk'] ?? ''),
          started: performance.now(),
          ended: Infinity,
        };
        reads.push(read);
        try {
          return await next(args);
        } finally {
          read.ended = performance.now();
        }
      },
      { step: 'initialize', name: 'recordReads' },
    );
    return client;
  };
  const services = createServices(serviceConfig(60_000), { wrapClient: record });
  let n = 0;
  const context = (): OperationContext => services.context({ caller, region: REGION, requestId: `material-reads-${n++}` });
  return { reads, context };
}

const isMaterials = (read: Read) => read.pk.startsWith('MATERIAL#');
const isGet = (read: Read) => read.command === 'GetItemCommand';
const overlap = (a: Read, b: Read) => a.started < b.ended && b.started < a.ended;

describe('a cold key\'s material, read alongside the key', () => {
  it('Encrypt on a cold instance: the key and its materials are read together, no material read after', async () => {
    const keyId = (await createKey({ Description: 'material reads' })).KeyId!;
    const cold = instance();
    const sealed = await encrypt({ KeyId: keyId, Plaintext: Buffer.from('cold') } as never, cold.context());
    const keyReads = cold.reads.filter((read) => isGet(read) && read.pk.includes(keyId) && !isMaterials(read));
    const materialReads = cold.reads.filter(isMaterials);
    assert.equal(keyReads.length, 1, JSON.stringify(cold.reads));
    assert.deepEqual(materialReads.map((read) => read.command), ['QueryCommand'], 'one Query of the material partition, no GetItem of a material');
    assert.ok(overlap(keyReads[0]!, materialReads[0]!), 'the two reads were in flight together');

    // Warm now: another request reads nothing, and reads no materials ahead.
    const before = cold.reads.length;
    const warm = cold.context();
    await encrypt({ KeyId: keyId, Plaintext: Buffer.from('warm') } as never, warm);
    assert.equal(cold.reads.length, before, 'a warm Encrypt reads nothing');
    assert.equal(warm.materialsAhead, undefined);

    // Another cold instance decrypts it the same way: the ciphertext names the key.
    const other = instance();
    const opened = (await decrypt({ CiphertextBlob: Buffer.from(sealed.CiphertextBlob as Uint8Array) } as never, other.context())) as { Plaintext: Buffer };
    assert.equal(Buffer.from(opened.Plaintext).toString(), 'cold');
    const otherKey = other.reads.find((read) => isGet(read) && read.pk.includes(keyId) && !isMaterials(read))!;
    const otherMaterials = other.reads.filter(isMaterials);
    assert.deepEqual(otherMaterials.map((read) => read.command), ['QueryCommand']);
    assert.ok(overlap(otherKey, otherMaterials[0]!));
  });

  it('by alias: the alias first, then the key and its materials together', async () => {
    const keyId = (await createKey({ Description: 'material reads by alias' })).KeyId!;
    const aliasName = await createAlias(keyId);
    const cold = instance();
    await encrypt({ KeyId: aliasName, Plaintext: Buffer.from('x') } as never, cold.context());
    const materials = cold.reads.filter(isMaterials);
    const key = cold.reads.find((read) => isGet(read) && read.pk.includes(keyId) && !isMaterials(read))!;
    assert.deepEqual(materials.map((read) => read.command), ['QueryCommand']);
    assert.ok(overlap(key, materials[0]!));
  });

  it('a read ahead that missed the material or failed leaves the usual read to find it', async () => {
    const keyId = (await createKey({ Description: 'material reads fallback' })).KeyId!;
    const cold = instance();
    const ctx = cold.context();
    await encrypt({ KeyId: keyId, Plaintext: Buffer.from('x') } as never, ctx);
    const materialId = (await ctx.store.listMaterials(keyId))[0]!.keyMaterialId;

    for (const ahead of [Promise.resolve([]), Promise.resolve(undefined)]) {
      const next = cold.context();
      next.materialsAhead = new Map([[keyId, ahead]]);
      const before = cold.reads.length;
      const found = await storedMaterial(next, keyId, materialId);
      assert.equal(found?.keyMaterialId, materialId);
      assert.deepEqual(cold.reads.slice(before).map((read) => read.command), ['GetItemCommand'], 'read from the store');
    }
    // What the read ahead has is used as it is: no read.
    const next = cold.context();
    const stored = await ctx.store.listMaterials(keyId);
    next.materialsAhead = new Map([[keyId, Promise.resolve(stored)]]);
    const before = cold.reads.length;
    assert.equal((await storedMaterial(next, keyId, materialId))?.keyMaterialId, materialId);
    // A record whose import was undone has no bytes: not found, as the store's own read says.
    next.materialsAhead = new Map([[keyId, Promise.resolve(stored.map((m) => ({ ...m, importState: 'PENDING_IMPORT' as const })))]]);
    assert.equal(await storedMaterial(next, keyId, materialId), undefined);
    assert.equal(cold.reads.length, before, 'neither read the store');
  });
});
