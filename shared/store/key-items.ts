/**
 * How keys, aliases and key materials are stored as DynamoDB items, and read back (the KeyStore's
 * mapping; item keys in item-keys.ts).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AliasRecord, KeyRecord, WrappedMaterial } from '../core/types.js';
import { defaultKeyPolicy } from '../policy/default-policy.js';
import { dueAttributes, dueIndexes } from './due-index.js';
import { aliasByKey, aliasItem, keyItem, materialItem } from './item-keys.js';

export const SCHEMA_VERSION = 1;

/** The key item a failed condition returned (marshalled, as DynamoDB sends it), if it is one. */
export function storedKey(item: Record<string, AttributeValue> | undefined): KeyRecord | undefined {
  if (!item) return undefined;
  const plain = unmarshall(item);
  return plain.entity === 'Key' ? toKey(plain) : undefined;
}

/** The item a key is stored as (exported for bulk seeding in the jobs bench). */
export function keyToItem(key: KeyRecord) {
  // The sparse due-date index attributes follow from the record itself (store/due-index.ts).
  return { ...keyItem(key.region, key.keyId), entity: 'Key', schemaVersion: SCHEMA_VERSION, ...key, ...dueAttributes(key) };
}

const dueAttributeNames = Object.values(dueIndexes).flatMap((index) => [index.pk, index.at]);

export function toKey(item: Record<string, any>): KeyRecord {
  const { pk: _pk, sk: _sk, entity: _e, schemaVersion: _v, ...key } = item;
  for (const name of dueAttributeNames) delete key[name];
  // Keys stored before key policies existed carry the default policy.
  return { ...key, tags: key.tags ?? {}, policy: key.policy ?? defaultKeyPolicy(key.account) } as KeyRecord;
}

export function aliasToItem(alias: AliasRecord) {
  return {
    ...aliasItem(alias.region, alias.account, alias.aliasName),
    ...aliasByKey(alias.region, alias.targetKeyId, alias.aliasName),
    entity: 'Alias',
    schemaVersion: SCHEMA_VERSION,
    ...alias,
  };
}

export function toAlias(item: Record<string, any>): AliasRecord {
  return {
    account: item.account,
    region: item.region,
    aliasName: item.aliasName,
    targetKeyId: item.targetKeyId,
    creationDate: item.creationDate,
    lastUpdatedDate: item.lastUpdatedDate,
  };
}

export function toMaterial(item: Record<string, any>): WrappedMaterial {
  return {
    keyId: item.keyId,
    keyMaterialId: item.keyMaterialId,
    // Material whose import was undone (expired or deleted) keeps its record without the bytes.
    wrapped: item.wrapped ? Buffer.from(item.wrapped as Uint8Array) : Buffer.alloc(0),
    rootKeyId: item.rootKeyId,
    createdAt: item.createdAt,
    rotationDate: item.rotationDate,
    rotationType: item.rotationType,
    imported: item.imported,
    keyMaterialDescription: item.keyMaterialDescription,
    importState: item.importState,
    expirationModel: item.expirationModel,
    validTo: item.validTo,
    pendingRotation: item.pendingRotation,
  };
}

export function materialToItem(material: WrappedMaterial) {
  const item = { ...materialItem(material.keyId, material.keyMaterialId), entity: 'KeyMaterial', schemaVersion: SCHEMA_VERSION, ...material };
  // A record without its bytes stores none (not an empty binary attribute, which DynamoDB refuses).
  if (material.wrapped.length === 0) delete (item as Partial<typeof item>).wrapped;
  return item;
}
