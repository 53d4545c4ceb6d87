/** Key ids, ARNs and the ways a request may name a key (KMS-REFERENCE §4). Pure. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MRK = /^mrk-[0-9a-f]{32}$/;
const ARN = /^arn:(aws[a-z-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

export const PARTITION = 'aws';

/** A random (version 4) UUID from 16 random bytes. */
export function newKeyId(random16: Buffer): string {
  const b = Buffer.from(random16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function isKeyId(value: string): boolean {
  return UUID.test(value) || MRK.test(value);
}

export function keyArn(region: string, account: string, keyId: string): string {
  return `arn:${PARTITION}:kms:${region}:${account}:key/${keyId}`;
}

export function aliasArn(region: string, account: string, aliasName: string): string {
  return `arn:${PARTITION}:kms:${region}:${account}:${aliasName}`;
}

export type KeyReference =
  | { kind: 'keyId'; keyId: string }
  | { kind: 'keyArn'; keyId: string; region: string; account: string; partition: string }
  | { kind: 'aliasName'; aliasName: string }
  | { kind: 'aliasArn'; aliasName: string; region: string; account: string; partition: string }
  | { kind: 'invalid' };

/** Classifies a KeyId parameter: key id, key ARN, alias name or alias ARN. */
export function parseKeyReference(value: string): KeyReference {
  if (value.startsWith('alias/')) return { kind: 'aliasName', aliasName: value };
  const arn = ARN.exec(value);
  if (arn) {
    const [, partition, region, account, type, rest] = arn as unknown as [string, string, string, string, string, string];
    if (type === 'alias') return { kind: 'aliasArn', aliasName: `alias/${rest}`, region, account, partition };
    return isKeyId(rest) ? { kind: 'keyArn', keyId: rest, region, account, partition } : { kind: 'invalid' };
  }
  return isKeyId(value) ? { kind: 'keyId', keyId: value } : { kind: 'invalid' };
}
