/**
 * HMAC for GenerateMac and VerifyMac (RFC 2104, the raw HMAC AWS returns): which MAC algorithm each
 * HMAC key spec takes, computing a MAC, and comparing one in constant time. Pure: the key bytes come in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { keySpecs } from './key-specs.js';

/** MacAlgorithmSpec (model enum) → node:crypto digest name. */
const DIGESTS: Readonly<Record<string, string>> = {
  HMAC_SHA_224: 'sha224',
  HMAC_SHA_256: 'sha256',
  HMAC_SHA_384: 'sha384',
  HMAC_SHA_512: 'sha512',
};

/**
 * The digest of `algorithm` when a key of `keySpec` may use it, else undefined. Each HMAC key spec takes
 * exactly its own size (HMAC_224 → HMAC_SHA_224, KMS-REFERENCE §5), as its KeyMetadata.MacAlgorithms says.
 */
export function macDigest(keySpec: string, algorithm: string): string | undefined {
  return keySpecs[keySpec]?.mac?.includes(algorithm) ? DIGESTS[algorithm] : undefined;
}

/** AWS's wording [obs] for a MAC algorithm the key's spec does not take. */
export const incompatibleMacAlgorithm = (algorithm: string, keySpec: string): string =>
  `Algorithm ${algorithm} is incompatible with key spec ${keySpec}.`;

export function computeMac(digest: string, key: Buffer, message: Buffer): Buffer {
  return createHmac(digest, key).update(message).digest();
}

/**
 * Whether `mac` is the MAC of `message`. The comparison takes the same time wherever the bytes differ;
 * only a length mismatch returns early (the length of a MAC is public: it follows from the algorithm).
 */
export function macMatches(digest: string, key: Buffer, message: Buffer, mac: Buffer): boolean {
  const expected = computeMac(digest, key, message);
  return expected.length === mac.length && timingSafeEqual(expected, mac);
}
