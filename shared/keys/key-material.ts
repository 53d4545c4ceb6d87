/**
 * Loading a key's current material for the operations of asymmetric and HMAC keys, and the key-usage
 * check they all start with. Unwrapped material and parsed key objects are cached (core/material-vault,
 * core/key-pairs), so a warm Sign or GenerateMac does no store round-trip and no parsing.
 */
import { asymmetricKey, type AsymmetricKey } from '../core/key-pairs.js';
import { loadNoble } from '../core/noble.js';
import { storedMaterial } from './material-reads.js';
import type { KeyRecord, KeyUsage } from '../core/types.js';
import { InvalidKeyUsageException, KMSInternalException, KMSInvalidStateException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';

/** InvalidKeyUsageException in AWS's words [obs] unless the key has `usage`. */
export function requireKeyUsage(key: KeyRecord, usage: KeyUsage, operation: string): void {
  if (key.keyUsage !== usage) {
    throw new InvalidKeyUsageException(`${key.arn} key usage is ${key.keyUsage} which is not valid for ${operation}.`);
  }
}

/** The unwrapped bytes of the key's current material. */
export async function currentMaterial(ctx: OperationContext, key: KeyRecord): Promise<{ keyMaterialId: string; material: Buffer }> {
  const keyMaterialId = key.currentKeyMaterialId;
  if (!keyMaterialId) throw new KMSInvalidStateException(`${key.arn} is pending import.`);
  const cached = ctx.vault.cached(key.keyId, keyMaterialId);
  if (cached) return { keyMaterialId, material: cached };
  const wrapped = await storedMaterial(ctx, key.keyId, keyMaterialId);
  // A key whose current material is missing is broken, not the caller's fault.
  if (!wrapped) throw new KMSInternalException();
  return { keyMaterialId, material: await ctx.vault.unwrap(wrapped) };
}

/**
 * The parsed private and public key of an asymmetric key (RSA, ECC, Ed25519, ML-DSA), with the @noble
 * libraries loaded that parsing ML-DSA and some signing algorithms (core/signing.ts) use.
 */
export async function loadAsymmetricKey(ctx: OperationContext, key: KeyRecord): Promise<AsymmetricKey> {
  const [{ keyMaterialId, material }] = await Promise.all([currentMaterial(ctx, key), loadNoble()]);
  return asymmetricKey(key.keySpec, keyMaterialId, material);
}
