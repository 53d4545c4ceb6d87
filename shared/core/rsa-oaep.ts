/**
 * RSA encryption of KMS's asymmetric ENCRYPT_DECRYPT keys (KMS-REFERENCE §4, §5, §6): RSAES-OAEP with
 * SHA-1 or SHA-256, MGF1 with the same hash and an empty label, as AWS documents and as
 * `crypto.publicEncrypt({ padding: RSA_PKCS1_OAEP_PADDING, oaepHash })` produces. The ciphertext is the
 * raw OAEP output (modulus-sized), with no header: Decrypt needs the KeyId and the algorithm.
 *
 * The request checks are pure; the two crypto calls use node:crypto (OpenSSL draws the OAEP seed itself,
 * node offers no way to inject it).
 */
import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { InvalidKeyUsageException, ValidationException } from '../errors.js';
import type { EncryptionContext } from './encryption-context.js';
import { keySpecs } from './key-specs.js';

export const RSA_OAEP_ALGORITHMS = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'] as const;
export type RsaOaepAlgorithm = (typeof RSA_OAEP_ALGORITHMS)[number];

const hashes: Record<RsaOaepAlgorithm, { name: string; bytes: number }> = {
  RSAES_OAEP_SHA_1: { name: 'sha1', bytes: 20 },
  RSAES_OAEP_SHA_256: { name: 'sha256', bytes: 32 },
};

export const isRsaOaepAlgorithm = (algorithm: string | undefined): algorithm is RsaOaepAlgorithm =>
  algorithm === 'RSAES_OAEP_SHA_1' || algorithm === 'RSAES_OAEP_SHA_256';

/**
 * The largest plaintext OAEP takes (RFC 8017 §7.1.1: k - 2·hLen - 2), which gives AWS's published
 * limits: RSA_2048 214/190, RSA_3072 342/318, RSA_4096 470/446 (SHA-1/SHA-256).
 */
export function maxPlaintextBytes(keySpec: string, algorithm: RsaOaepAlgorithm): number {
  const bits = keySpecs[keySpec]?.rsaBits;
  if (!bits) throw new Error(`${keySpec} is not an RSA key spec`);
  return bits / 8 - 2 * hashes[algorithm].bytes - 2;
}

/** Messages of the request checks (AWS's words where observed, ours otherwise; see the report in tests). */
export const messages = {
  /** [unverified] AWS does not document the message; ours. */
  algorithmRequired: (arn: string, member = 'EncryptionAlgorithm') =>
    `${member} is required for asymmetric KMS key ${arn}.`,
  /** [unverified] wording follows the [obs] HMAC message "Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224." */
  incompatible: (algorithm: string, keySpec: string) => `Algorithm ${algorithm} is incompatible with key spec ${keySpec}.`,
  /** [unverified] AWS refuses an encryption context for asymmetric keys; the type and wording are ours. */
  contextRefused: (arn: string, member = 'EncryptionContext') =>
    `${member} is not supported for asymmetric KMS key ${arn}: encryption context applies to symmetric keys only.`,
  /** [obs] */
  tooLarge: (algorithm: string, keySpec: string, limit: number) =>
    `Algorithm ${algorithm} and key spec ${keySpec} cannot encrypt data larger than ${limit} bytes.`,
};

/**
 * An asymmetric ENCRYPT_DECRYPT key was named: the algorithm must be given and be one the key spec
 * supports, and no encryption context may come along (an empty map counts as none, as for symmetric keys).
 */
export function checkRsaRequest(
  key: { arn: string; keySpec: string },
  algorithm: string | undefined,
  context: EncryptionContext | undefined,
  members: { algorithm?: string; context?: string } = {},
): RsaOaepAlgorithm {
  if (algorithm === undefined) throw new ValidationException(messages.algorithmRequired(key.arn, members.algorithm));
  if (!isRsaOaepAlgorithm(algorithm) || !keySpecs[key.keySpec]?.encryption?.includes(algorithm)) {
    throw new InvalidKeyUsageException(messages.incompatible(algorithm, key.keySpec));
  }
  if (context !== undefined && Object.keys(context).length > 0) {
    throw new ValidationException(messages.contextRefused(key.arn, members.context));
  }
  return algorithm;
}

/** AWS's per-key-size plaintext limit, ValidationException in its words [obs]. */
export function checkPlaintextLength(keySpec: string, algorithm: RsaOaepAlgorithm, plaintext: Buffer): void {
  const limit = maxPlaintextBytes(keySpec, algorithm);
  if (plaintext.length > limit) throw new ValidationException(messages.tooLarge(algorithm, keySpec, limit));
}

export function rsaOaepEncrypt(publicKey: KeyObject, algorithm: RsaOaepAlgorithm, plaintext: Buffer): Buffer {
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hashes[algorithm].name }, plaintext);
}

/** The plaintext, or undefined when the ciphertext does not decrypt under this key and algorithm. */
export function rsaOaepDecrypt(privateKey: KeyObject, algorithm: RsaOaepAlgorithm, ciphertext: Buffer): Buffer | undefined {
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hashes[algorithm].name }, ciphertext);
  } catch {
    return undefined;
  }
}
