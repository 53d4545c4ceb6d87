/**
 * Backing keys are stored only wrapped under the root key (AES-256-GCM), with the key id and material
 * id bound in as AAD so a wrapped blob cannot be moved to another key or version. The key id rather than
 * the ARN is bound because multi-region keys share material across regions whose ARNs differ.
 * Unwrapped materials are cached in memory (they never change), which keeps the hot path off the store.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import type { WrappedMaterial } from './types.js';
import type { Random, RootKeyProvider } from './environment.js';

const MAX_CACHED = 10_000;

export class MaterialVault {
  /** By `<keyId>/<keyMaterialId>` (a key id holds no '/'). */
  private readonly cache = new Map<string, Buffer>();
  /** How many of each key's materials the cache holds (holdsAnyOf). */
  private readonly perKey = new Map<string, number>();

  constructor(
    private readonly rootKeys: RootKeyProvider,
    private readonly random: Random,
  ) {}

  /** New random material for a key: the wrapped item to store and the plaintext to cache. */
  async create(keyId: string, createdAt: number): Promise<WrappedMaterial> {
    return this.wrap(keyId, this.random.bytes(32).toString('hex'), this.random.bytes(32), createdAt);
  }

  /** Wraps given material (imported key material) under the root key. */
  async wrap(keyId: string, keyMaterialId: string, material: Buffer, createdAt: number): Promise<WrappedMaterial> {
    const iv = this.random.bytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.rootKeys.rootKey(), iv);
    cipher.setAAD(aad(keyId, keyMaterialId));
    const wrapped = Buffer.concat([iv, cipher.update(material), cipher.final(), cipher.getAuthTag()]);
    this.remember(keyId, keyMaterialId, Buffer.from(material));
    return { keyId, keyMaterialId, wrapped, rootKeyId: this.rootKeys.rootKeyId, createdAt };
  }

  /**
   * The id of imported material: AWS derives it from the key id and the material, so re-importing the
   * same bytes gives the same id (and old ciphertexts decrypt again). A MAC under a key derived from the
   * root key, not a bare hash, so the id reveals nothing about the material.
   */
  async importedMaterialId(keyId: string, material: Buffer): Promise<string> {
    const idKey = createHmac('sha256', await this.rootKeys.rootKey()).update('kms-imported-material-id-v1').digest();
    return createHmac('sha256', idKey).update(keyId).update('|').update(material).digest('hex');
  }

  /**
   * Seals a small secret blob that travels outside the store (the import token's wrapping private key):
   * AES-256-GCM under a key derived from the root key for `purpose`, with `aad` bound in. Layout:
   * iv (12) | ciphertext | tag (16).
   */
  async sealBlob(purpose: string, aadBytes: Buffer, plaintext: Buffer): Promise<Buffer> {
    const iv = this.random.bytes(12);
    const cipher = createCipheriv('aes-256-gcm', await this.purposeKey(purpose), iv);
    cipher.setAAD(aadBytes);
    return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  }

  /** Opens what sealBlob made; undefined if it was not made for this purpose and aad, or was changed. */
  async openBlob(purpose: string, aadBytes: Buffer, blob: Buffer): Promise<Buffer | undefined> {
    if (blob.length < 12 + 16) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', await this.purposeKey(purpose), blob.subarray(0, 12));
      decipher.setAAD(aadBytes);
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      return Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
    } catch {
      return undefined;
    }
  }

  private async purposeKey(purpose: string): Promise<Buffer> {
    return createHmac('sha256', await this.rootKeys.rootKey()).update(`kms-blob-key-v1|${purpose}`).digest();
  }

  /** Forgets every unwrapped material (the local runtime's reset). */
  clear(): void {
    this.cache.clear();
    this.perKey.clear();
  }

  /** Drops a material from memory (it was deleted: expired or DeleteImportedKeyMaterial). */
  forget(keyId: string, keyMaterialId: string): void {
    this.drop(`${keyId}/${keyMaterialId}`);
  }

  cached(keyId: string, keyMaterialId: string): Buffer | undefined {
    return this.cache.get(`${keyId}/${keyMaterialId}`);
  }

  /** Whether any material of the key is in memory (if none, its use will read the store: keys/material-reads.ts). */
  holdsAnyOf(keyId: string): boolean {
    return this.perKey.has(keyId);
  }

  async unwrap(item: WrappedMaterial): Promise<Buffer> {
    const hit = this.cached(item.keyId, item.keyMaterialId);
    if (hit) return hit;
    const blob = item.wrapped;
    const decipher = createDecipheriv('aes-256-gcm', await this.rootKeys.rootKey(), blob.subarray(0, 12));
    decipher.setAAD(aad(item.keyId, item.keyMaterialId));
    decipher.setAuthTag(blob.subarray(blob.length - 16));
    const material = Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
    this.remember(item.keyId, item.keyMaterialId, material);
    return material;
  }

  private remember(keyId: string, keyMaterialId: string, material: Buffer): void {
    const id = `${keyId}/${keyMaterialId}`;
    if (!this.cache.has(id)) {
      if (this.cache.size >= MAX_CACHED) this.drop(this.cache.keys().next().value!);
      this.perKey.set(keyId, (this.perKey.get(keyId) ?? 0) + 1);
    }
    this.cache.set(id, material);
  }

  private drop(id: string): void {
    if (!this.cache.delete(id)) return;
    const keyId = id.slice(0, id.indexOf('/'));
    const left = this.perKey.get(keyId)! - 1;
    if (left === 0) this.perKey.delete(keyId);
    else this.perKey.set(keyId, left);
  }
}

function aad(keyId: string, keyMaterialId: string): Buffer {
  return Buffer.from(`kms-material-v1|${keyId}|${keyMaterialId}`, 'utf8');
}
