/**
 * New private key material for the non-symmetric key specs, as the bytes the material vault wraps:
 * PKCS#8 DER for RSA, ECC and Ed25519 (node:crypto), the 32-byte seed for ML-DSA (FIPS 204 keys are
 * derived from it; @noble/post-quantum, since Node 20's crypto has no ML-DSA), and random bytes of the
 * spec's size for HMAC keys. Parsed key objects are cached per material (parsing PKCS#8 costs more
 * than a signature), and like the unwrapped material they never change.
 */
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import type { Random } from './environment.js';
import { keySpecs } from './key-specs.js';
import { noble } from './noble.js';

/** generateKeyPair with DER output, as a promise of the PKCS#8 private key. */
function generatePkcs8(type: 'rsa' | 'ec' | 'ed25519', options: { modulusLength?: number; publicExponent?: number; namedCurve?: string }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    generateKeyPair(
      type as 'rsa',
      {
        ...(options as { modulusLength: number }),
        privateKeyEncoding: { type: 'pkcs8', format: 'der' },
        publicKeyEncoding: { type: 'spki', format: 'der' },
      },
      (error, _publicKey, privateKey) => (error ? reject(error) : resolve(privateKey)),
    ),
  );
}
export const ML_DSA_SEED_BYTES = 32;

/** Private material for a new key of `keySpec` (never SYMMETRIC_DEFAULT: the vault makes those). */
export async function newPrivateMaterial(keySpec: string, random: Random): Promise<Buffer> {
  const info = keySpecs[keySpec];
  if (!info) throw new Error(`unknown key spec ${keySpec}`);
  switch (info.family) {
    case 'hmac':
      return random.bytes(info.hmacBytes!);
    case 'ml-dsa':
      return random.bytes(ML_DSA_SEED_BYTES);
    case 'rsa':
      return generatePkcs8('rsa', { modulusLength: info.rsaBits!, publicExponent: 0x10001 });
    case 'ecc':
      return generatePkcs8('ec', { namedCurve: info.curve! });
    case 'ed25519':
      return generatePkcs8('ed25519', {});
    default:
      throw new Error(`key spec ${keySpec} cannot be generated here`);
  }
}

/** The usable form of one asymmetric material. */
export interface AsymmetricKey {
  /** node:crypto key objects (RSA, ECC, Ed25519); absent for ML-DSA. */
  privateKey?: KeyObject;
  publicKey?: KeyObject;
  /** ML-DSA: the expanded secret and public keys. */
  mlDsa?: { secretKey: Uint8Array; publicKey: Uint8Array };
  /** DER SubjectPublicKeyInfo, as GetPublicKey returns it. */
  publicKeyDer: Buffer;
}

/** DER SubjectPublicKeyInfo of an ML-DSA public key (OIDs 2.16.840.1.101.3.4.3.17/18/19, RFC 9881). */
function mlDsaSpki(set: 'ml_dsa44' | 'ml_dsa65' | 'ml_dsa87', publicKey: Uint8Array): Buffer {
  const oidLast = { ml_dsa44: 0x11, ml_dsa65: 0x12, ml_dsa87: 0x13 }[set];
  const algorithm = Buffer.from([0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, oidLast]);
  const bitString = Buffer.concat([Buffer.from([0x03]), derLength(publicKey.length + 1), Buffer.from([0x00]), Buffer.from(publicKey)]);
  const body = Buffer.concat([algorithm, bitString]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const MAX_CACHED = 10_000;
const parsed = new Map<string, AsymmetricKey>();

/** Parses (once per material) the private material of an asymmetric key; ML-DSA needs `loadNoble()` done. */
export function asymmetricKey(keySpec: string, materialId: string, material: Buffer): AsymmetricKey {
  const cacheKey = `${materialId}/${keySpec}`;
  const hit = parsed.get(cacheKey);
  if (hit) return hit;
  const info = keySpecs[keySpec];
  let key: AsymmetricKey;
  if (info?.family === 'ml-dsa') {
    const keys = noble().mlDsa[info.mlDsa!].keygen(new Uint8Array(material));
    key = { mlDsa: keys, publicKeyDer: mlDsaSpki(info.mlDsa!, keys.publicKey) };
  } else {
    const privateKey = createPrivateKey({ key: material, format: 'der', type: 'pkcs8' });
    const publicKey = createPublicKey(privateKey);
    key = { privateKey, publicKey, publicKeyDer: publicKey.export({ format: 'der', type: 'spki' }) };
  }
  if (parsed.size >= MAX_CACHED) parsed.delete(parsed.keys().next().value!);
  parsed.set(cacheKey, key);
  return key;
}

/**
 * Imported material (ImportKeyMaterial) as the vault stores a generated key of the same spec, or
 * undefined when it is not material of that spec: 32 bytes for a symmetric key, the spec's size for
 * HMAC, the 32-byte seed for ML-DSA, a PKCS#8 DER private key of the spec's type, size or curve for RSA,
 * ECC and Ed25519 (re-encoded, so one key always gives the same bytes and the same material id).
 */
export function importedMaterial(keySpec: string, bytes: Buffer): Buffer | undefined {
  const info = keySpecs[keySpec];
  if (!info) return undefined;
  switch (info.family) {
    case 'symmetric':
      return bytes.length === 32 ? bytes : undefined;
    case 'hmac':
      return bytes.length === info.hmacBytes ? bytes : undefined;
    case 'ml-dsa':
      return bytes.length === ML_DSA_SEED_BYTES ? bytes : undefined;
    case 'rsa':
    case 'ecc':
    case 'ed25519': {
      let key: KeyObject;
      try {
        key = createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
      } catch {
        return undefined;
      }
      const details = key.asymmetricKeyDetails ?? {};
      const fits =
        info.family === 'rsa'
          ? key.asymmetricKeyType === 'rsa' && details.modulusLength === info.rsaBits
          : info.family === 'ecc'
            ? key.asymmetricKeyType === 'ec' && details.namedCurve === info.curve
            : key.asymmetricKeyType === 'ed25519';
      return fits ? (key.export({ format: 'der', type: 'pkcs8' }) as Buffer) : undefined;
    }
    default:
      return undefined;
  }
}
