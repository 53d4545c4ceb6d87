/**
 * Seeding (`KMS_SEED_FILE`, YAML or JSON): keys with known ids, and optionally known material, made at
 * every start of the local service, so that a test suite finds its keys and aliases in place and a
 * ciphertext made by one run decrypts in the next (the material id is derived from key id and material,
 * as for imported material). Idempotent: a key that exists is left as it is and any difference from the
 * file is reported; an alias that exists is left as it is. An invalid entry stops the start with a
 * message naming it, before anything is written.
 *
 *   keys:
 *     - keyId: 0b7e4a3c-1f2d-4c5b-9a8e-7d6c5b4a3f2e     # or mrk-<32 hex> with multiRegion: true
 *       region: us-east-1                              # default: AWS_REGION
 *       account: "111122223333"                        # default: the credentials file's first account
 *       keySpec: SYMMETRIC_DEFAULT                     # and keyUsage, as CreateKey takes them
 *       description: orders
 *       aliases: [alias/orders]
 *       tags: { team: payments }
 *       policy: { ... }                                # default: the default key policy
 *       rotationPeriodInDays: 90                       # turns automatic rotation on
 *       material: <base64>                             # 32 bytes, HMAC bytes, ML-DSA seed or DER PKCS#8
 *     - keyId: mrk-0123456789abcdef0123456789abcdef
 *       multiRegion: true
 *       replicaRegions: [eu-west-1]                    # replicas made as ReplicateKey makes them
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { keyArn, isKeyId } from '../../shared/core/ids.js';
import { importedMaterial, newPrivateMaterial } from '../../shared/core/key-pairs.js';
import { keySpecs } from '../../shared/core/key-specs.js';
import { enableRotation } from '../../shared/core/rotation.js';
import { isPrimary } from '../../shared/core/multi-region.js';
import type { KeyRecord, KeyUsage, WrappedMaterial } from '../../shared/core/types.js';
import type { OperationContext } from '../../shared/context/operation-context.js';
import { defaultKeyPolicy } from '../../shared/policy/default-policy.js';
import { ConditionFailedError } from '../../shared/store/ports.js';
import { AlreadyExistsException } from '../../shared/errors.js';
import { replicateKey } from '../../shared/operations/replicate-key.js';
import type { Services } from '../../shared/services.js';

export interface SeedKey {
  keyId: string;
  region: string;
  account: string;
  keySpec: string;
  keyUsage: KeyUsage;
  description: string;
  aliases: string[];
  tags: Record<string, string>;
  policy?: string;
  rotationPeriodInDays?: number;
  multiRegion: boolean;
  /** Multi-region keys: the regions of their replicas. */
  replicaRegions: string[];
  material?: Buffer;
}

export class SeedError extends Error {}

/** What an entry that names none gets, and which regions may be named. */
export interface SeedDefaults {
  region: string;
  account: string;
  /** The region names the service serves (shared/regions.ts `regionNames`). */
  regions: (region: string) => boolean;
}

const ALIAS = /^alias\/[a-zA-Z0-9/_-]+$/;

/** Reads and checks the seed file: every entry valid, or a SeedError naming the first that is not. */
export function loadSeedFile(path: string, defaults: SeedDefaults): SeedKey[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SeedError(`KMS_SEED_FILE ${path} cannot be read: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new SeedError(`KMS_SEED_FILE ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new SeedError(`KMS_SEED_FILE ${path}: expected a top-level "keys" list`);
  const seen = new Set<string>();
  return keys.map((entry, index) => {
    const where = `KMS_SEED_FILE ${path}, keys[${index}]${typeof (entry as { keyId?: unknown })?.keyId === 'string' ? ` (${(entry as { keyId: string }).keyId})` : ''}`;
    try {
      const key = seedKey(entry, defaults);
      const id = `${key.region}/${key.keyId}`;
      if (seen.has(id)) throw new SeedError(`the key ${key.keyId} appears twice in ${key.region}`);
      seen.add(id);
      return key;
    } catch (error) {
      throw new SeedError(`${where}: ${(error as Error).message}`);
    }
  });
}

function seedKey(entry: unknown, defaults: SeedDefaults): SeedKey {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new SeedError('each key is a mapping');
  const e = entry as Record<string, unknown>;
  const text = (name: string, fallback?: string): string => {
    const value = e[name] ?? fallback;
    if (typeof value !== 'string') throw new SeedError(`${name} must be a string`);
    return value;
  };
  const keyId = text('keyId');
  const multiRegion = e.multiRegion === true;
  if (!isKeyId(keyId) || keyId.startsWith('mrk-') !== multiRegion) {
    throw new SeedError(`keyId must be a lower-case UUID, or mrk- and 32 hex digits with multiRegion: true`);
  }
  const region = text('region', defaults.region);
  if (!defaults.regions(region)) throw new SeedError(`region ${region} is not a region this service serves (an AWS region, or any name with KMS_ALLOW_ANY_REGION=true)`);
  const account = String(e.account ?? defaults.account);
  if (!/^\d{12}$/.test(account)) throw new SeedError(`account must be 12 digits`);
  const keySpec = text('keySpec', 'SYMMETRIC_DEFAULT');
  const info = keySpecs[keySpec];
  if (!info || info.family === 'sm2') throw new SeedError(`keySpec ${keySpec} is not a key spec this service makes`);
  const keyUsage = text('keyUsage', info.usages[0]) as KeyUsage;
  if (!info.usages.includes(keyUsage)) throw new SeedError(`keyUsage ${keyUsage} does not go with keySpec ${keySpec}`);
  const aliases = (e.aliases ?? []) as unknown;
  if (!Array.isArray(aliases) || aliases.some((a) => typeof a !== 'string' || !ALIAS.test(a) || a.startsWith('alias/aws/'))) {
    throw new SeedError('aliases must be a list of alias names (alias/..., not alias/aws/...)');
  }
  const tags = (e.tags ?? {}) as unknown;
  if (!tags || typeof tags !== 'object' || Array.isArray(tags) || Object.values(tags).some((v) => typeof v !== 'string')) {
    throw new SeedError('tags must map tag keys to string values');
  }
  const policy = e.policy === undefined ? undefined : typeof e.policy === 'string' ? e.policy : JSON.stringify(e.policy);
  const period = e.rotationPeriodInDays;
  if (period !== undefined && (!Number.isInteger(period) || (period as number) < 90 || (period as number) > 2560)) {
    throw new SeedError('rotationPeriodInDays must be a whole number from 90 to 2560');
  }
  if (period !== undefined && keySpec !== 'SYMMETRIC_DEFAULT') throw new SeedError('only symmetric keys rotate');
  const replicaRegions = (e.replicaRegions ?? []) as unknown;
  if (!Array.isArray(replicaRegions) || replicaRegions.some((r) => typeof r !== 'string' || !defaults.regions(r) || r === region)) {
    throw new SeedError(`replicaRegions must be a list of regions this service serves, other than the key's (${region})`);
  }
  if (replicaRegions.length > 0 && !multiRegion) throw new SeedError('only multi-region keys (multiRegion: true) have replicaRegions');
  let material: Buffer | undefined;
  if (e.material !== undefined) {
    const bytes = Buffer.from(text('material'), 'base64');
    material = importedMaterial(keySpec, bytes);
    if (!material) throw new SeedError(`material is not ${keySpec} key material (base64 of 32 bytes, the HMAC size, the ML-DSA seed or a DER PKCS#8 key)`);
  }
  return {
    keyId, region, account, keySpec, keyUsage, multiRegion, material, policy,
    description: typeof e.description === 'string' ? e.description : '',
    aliases: aliases as string[],
    replicaRegions: [...new Set(replicaRegions as string[])],
    tags: { ...(tags as Record<string, string>) },
    rotationPeriodInDays: period as number | undefined,
  };
}

export interface SeedReport {
  created: string[];
  unchanged: string[];
  /** Keys that exist and differ from the file (they are left as they are). */
  differences: string[];
}

/** Makes every key of the file that does not exist yet, with its aliases; reports the others. */
export async function applySeed(services: Services, keys: SeedKey[], now = new Date()): Promise<SeedReport> {
  const report: SeedReport = { created: [], unchanged: [], differences: [] };
  for (const seed of keys) {
    const ctx = services.context({ caller: { account: seed.account, principalArn: `arn:aws:iam::${seed.account}:root` }, region: seed.region, requestId: 'seed' });
    const existing = await ctx.store.getKey(seed.keyId, { fresh: true });
    if (existing) {
      const differs = [
        existing.keySpec !== seed.keySpec && `keySpec ${existing.keySpec}`,
        existing.keyUsage !== seed.keyUsage && `keyUsage ${existing.keyUsage}`,
        existing.description !== seed.description && `description ${JSON.stringify(existing.description)}`,
        seed.material && existing.currentKeyMaterialId !== seededMaterialId(seed.keyId, seed.material) && 'other current material',
      ].filter(Boolean);
      if (differs.length > 0) report.differences.push(`${seed.region}/${seed.keyId}: ${differs.join(', ')} (left as it is)`);
      else report.unchanged.push(`${seed.region}/${seed.keyId}`);
    } else {
      await createSeedKey(ctx, seed, now);
      report.created.push(`${seed.region}/${seed.keyId}`);
    }
    // Replicas come from the primary: a key that is not one any more (its primary moved) is left as it is.
    const replicating = seed.replicaRegions.length > 0 && (!existing || isPrimary(existing));
    if (seed.replicaRegions.length > 0 && !replicating) {
      report.differences.push(`${seed.region}/${seed.keyId}: not the multi-region primary, so its replicaRegions were not made (left as it is)`);
    }
    for (const replicaRegion of replicating ? seed.replicaRegions : []) {
      if (await ctx.peers.keyIn(replicaRegion, seed.keyId)) continue;
      await replicateKey({ KeyId: seed.keyId, ReplicaRegion: replicaRegion }, ctx).catch((error: unknown) => {
        if (!(error instanceof AlreadyExistsException)) throw error; // made meanwhile
      });
      report.created.push(`${replicaRegion}/${seed.keyId} (replica)`);
    }
    for (const aliasName of seed.aliases) {
      if (await ctx.store.getAlias(seed.account, aliasName)) continue;
      const at = now.getTime();
      await ctx.store
        .createAlias({ account: seed.account, region: seed.region, aliasName, targetKeyId: seed.keyId, creationDate: at, lastUpdatedDate: at })
        .catch((error: unknown) => {
          if (!(error instanceof ConditionFailedError)) throw error;
        });
    }
  }
  return report;
}

async function createSeedKey(ctx: OperationContext, seed: SeedKey, now: Date): Promise<void> {
  const at = now.getTime();
  const material = await seedMaterial(ctx, seed, at);
  let key: KeyRecord = {
    keyId: seed.keyId,
    account: seed.account,
    region: seed.region,
    arn: keyArn(seed.region, seed.account, seed.keyId),
    creationDate: at,
    description: seed.description,
    keyUsage: seed.keyUsage,
    keySpec: seed.keySpec,
    origin: 'AWS_KMS',
    keyManager: 'CUSTOMER',
    keyState: 'Enabled',
    multiRegion: seed.multiRegion,
    primaryRegion: seed.multiRegion ? seed.region : undefined,
    currentKeyMaterialId: material.keyMaterialId,
    tags: seed.tags,
    policy: seed.policy ?? defaultKeyPolicy(seed.account),
    revision: 1,
  };
  if (seed.rotationPeriodInDays !== undefined) key = { ...enableRotation(key, seed.rotationPeriodInDays, now), revision: 1 };
  await ctx.store.createKey(key, material).catch((error: unknown) => {
    if (!(error instanceof ConditionFailedError)) throw error; // made meanwhile by another instance
  });
}

/**
 * A seeded material's id: from key id and bytes alone, so that an instance with another root key (a fresh
 * data directory) gives it the same id and opens the ciphertexts that name it. Unlike imported material's
 * ids it is not keyed with the root key: seed files are for test keys, whose material is in the file anyway.
 */
export function seededMaterialId(keyId: string, material: Buffer): string {
  return createHash('sha256').update('kms-seeded-material-id-v1|').update(keyId).update('|').update(material).digest('hex');
}

/** The file's material (its id the same in every instance), or new material. */
async function seedMaterial(ctx: OperationContext, seed: SeedKey, at: number): Promise<WrappedMaterial> {
  if (seed.material) return ctx.vault.wrap(seed.keyId, seededMaterialId(seed.keyId, seed.material), seed.material, at);
  if (seed.keySpec === 'SYMMETRIC_DEFAULT') return ctx.vault.create(seed.keyId, at);
  return ctx.vault.wrap(seed.keyId, ctx.random.bytes(32).toString('hex'), await newPrivateMaterial(seed.keySpec, ctx.random), at);
}
