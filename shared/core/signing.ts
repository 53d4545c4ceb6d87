/**
 * Sign and Verify, the pure part: which signing algorithm takes which message type and digest length
 * (KMS-REFERENCE §4, §5), and the primitives.
 *
 * - RAW messages of RSA, ECDSA and Ed25519 go through node:crypto (OpenSSL) directly.
 * - DIGEST messages have no node:crypto API (crypto.sign always hashes), so:
 *   RSASSA-PKCS1-v1_5 is the RSA private operation with PKCS#1 type-1 padding over DigestInfo || digest
 *   (crypto.privateEncrypt); RSASSA-PSS is EMSA-PSS (RFC 8017 §9.1, MGF1 with the same hash, salt length
 *   = digest length) followed by the raw RSA private operation (crypto.privateDecrypt, RSA_NO_PADDING,
 *   OpenSSL's blinding included); ECDSA uses @noble/curves with prehash off.
 * - ED25519_PH_SHA_512 is Ed25519ph (RFC 8032 §5.1, empty context) over the caller's SHA-512 digest,
 *   written here on @noble/curves' edwards25519 point arithmetic: noble's own ed25519ph hashes the
 *   message itself and cannot take a digest.
 * - ML_DSA_SHAKE_256 is pure ML-DSA (FIPS 204, empty context) for RAW, and ML-DSA.Sign_internal over a
 *   caller-computed 64-byte mu for EXTERNAL_MU (@noble/post-quantum `internal` with externalMu).
 *
 * Verification answers a boolean; any malformed signature is simply invalid (the operation turns false
 * into KMSInvalidSignatureException).
 */
import { constants, createHash, privateEncrypt, publicDecrypt, sign as nodeSign, timingSafeEqual, verify as nodeVerify } from 'node:crypto';
import { InvalidKeyUsageException, ValidationException } from '../errors.js';
import type { AsymmetricKey } from './key-pairs.js';
import { keySpecs } from './key-specs.js';
import { noble, type Noble } from './noble.js';
import { digestInfo, HASH_BYTES, modulusBytes, rsaPssSignDigest, rsaPssVerifyDigest, type Hash } from './rsa-signatures.js';

export type MessageType = 'RAW' | 'DIGEST' | 'EXTERNAL_MU';

type Scheme = 'rsa-pss' | 'rsa-pkcs1' | 'ecdsa' | 'ed25519' | 'ed25519ph' | 'ml-dsa';

export interface SigningAlgorithmInfo {
  scheme: Scheme;
  /** The hash of RAW messages, whose size DIGEST messages must have. */
  hash?: Hash;
  messageTypes: readonly MessageType[];
}

/** ML-DSA's message representative mu is 64 bytes (FIPS 204, Algorithm 7 line 6). */
export const EXTERNAL_MU_BYTES = 64;

const rawOrDigest = ['RAW', 'DIGEST'] as const;
export const signingAlgorithms: Readonly<Record<string, SigningAlgorithmInfo>> = {
  RSASSA_PSS_SHA_256: { scheme: 'rsa-pss', hash: 'sha256', messageTypes: rawOrDigest },
  RSASSA_PSS_SHA_384: { scheme: 'rsa-pss', hash: 'sha384', messageTypes: rawOrDigest },
  RSASSA_PSS_SHA_512: { scheme: 'rsa-pss', hash: 'sha512', messageTypes: rawOrDigest },
  RSASSA_PKCS1_V1_5_SHA_256: { scheme: 'rsa-pkcs1', hash: 'sha256', messageTypes: rawOrDigest },
  RSASSA_PKCS1_V1_5_SHA_384: { scheme: 'rsa-pkcs1', hash: 'sha384', messageTypes: rawOrDigest },
  RSASSA_PKCS1_V1_5_SHA_512: { scheme: 'rsa-pkcs1', hash: 'sha512', messageTypes: rawOrDigest },
  ECDSA_SHA_256: { scheme: 'ecdsa', hash: 'sha256', messageTypes: rawOrDigest },
  ECDSA_SHA_384: { scheme: 'ecdsa', hash: 'sha384', messageTypes: rawOrDigest },
  ECDSA_SHA_512: { scheme: 'ecdsa', hash: 'sha512', messageTypes: rawOrDigest },
  // KMS-REFERENCE §4: ED25519_SHA_512 requires RAW; ED25519_PH_SHA_512 requires DIGEST.
  ED25519_SHA_512: { scheme: 'ed25519', hash: 'sha512', messageTypes: ['RAW'] },
  ED25519_PH_SHA_512: { scheme: 'ed25519ph', hash: 'sha512', messageTypes: ['DIGEST'] },
  ML_DSA_SHAKE_256: { scheme: 'ml-dsa', messageTypes: ['RAW', 'EXTERNAL_MU'] },
};

/** InvalidKeyUsageException wording, by analogy with the observed MAC message (KMS-REFERENCE §5). */
export const incompatibleSigningAlgorithm = (algorithm: string, keySpec: string) =>
  `Algorithm ${algorithm} is incompatible with key spec ${keySpec}.`;

/**
 * The checks of a Sign or Verify request that need only the key spec, in this order: the algorithm is
 * one of the key's SigningAlgorithms (InvalidKeyUsageException), the message type is one the algorithm
 * takes, and a DIGEST / EXTERNAL_MU message has the right length (ValidationException).
 */
export function checkSigningRequest(keySpec: string, algorithm: string, messageType: MessageType, message: Buffer): SigningAlgorithmInfo {
  const info = signingAlgorithms[algorithm];
  if (!info || !keySpecs[keySpec]?.signing?.includes(algorithm)) {
    throw new InvalidKeyUsageException(incompatibleSigningAlgorithm(algorithm, keySpec));
  }
  // Our wording: AWS documents the rule (ED25519_SHA_512 needs RAW, ED25519_PH_SHA_512 needs DIGEST,
  // EXTERNAL_MU is for ML-DSA only) but no message was observed.
  if (!info.messageTypes.includes(messageType)) {
    throw new ValidationException(`MessageType ${messageType} is not supported for signing algorithm ${algorithm}.`);
  }
  if (messageType === 'DIGEST' && message.length !== HASH_BYTES[info.hash!]) {
    throw new ValidationException(`Digest is invalid length for algorithm ${algorithm}.`); // [obs]
  }
  if (messageType === 'EXTERNAL_MU' && message.length !== EXTERNAL_MU_BYTES) {
    throw new ValidationException(`External mu is invalid length for algorithm ${algorithm}.`);
  }
  return info;
}

export interface SignatureRequest {
  keySpec: string;
  key: AsymmetricKey;
  algorithm: string;
  messageType: MessageType;
  message: Buffer;
}

/**
 * Signs a request that passed checkSigningRequest, once `loadNoble()` is done. `randomBytes` supplies
 * PSS salts and hedging entropy.
 */
export function signMessage(request: SignatureRequest, randomBytes: (n: number) => Buffer): Buffer {
  noble(); // throws if the libraries are not loaded, whatever the algorithm: one rule for every caller
  const { key, message, messageType } = request;
  const info = signingAlgorithms[request.algorithm]!;
  const hash = info.hash!;
  switch (info.scheme) {
    case 'rsa-pss':
      if (messageType === 'RAW') {
        return nodeSign(hash, message, { key: key.privateKey!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[hash] });
      }
      return rsaPssSignDigest(key.privateKey!, hash, message, randomBytes(HASH_BYTES[hash]));
    case 'rsa-pkcs1':
      if (messageType === 'RAW') return nodeSign(hash, message, { key: key.privateKey!, padding: constants.RSA_PKCS1_PADDING });
      return privateEncrypt({ key: key.privateKey!, padding: constants.RSA_PKCS1_PADDING }, digestInfo(hash, message));
    case 'ecdsa': {
      if (messageType === 'RAW') return nodeSign(hash, message, { key: key.privateKey!, dsaEncoding: 'der' });
      const { curve, secret } = ecKeys(key);
      const signature = curve.sign(message, secret(), { prehash: false, format: 'der', lowS: false, extraEntropy: randomBytes(32) });
      return Buffer.from(signature);
    }
    case 'ed25519':
      return nodeSign(null, message, key.privateKey!);
    case 'ed25519ph':
      return ed25519phSign(edKeys(key).seed(), edKeys(key).publicKey, message);
    case 'ml-dsa': {
      const dsa = mlDsa(request.keySpec);
      const { secretKey } = key.mlDsa!;
      const extraEntropy = randomBytes(32);
      const signature =
        messageType === 'EXTERNAL_MU'
          ? dsa.internal.sign(message, secretKey, { externalMu: true, extraEntropy })
          : dsa.sign(message, secretKey, { extraEntropy });
      return Buffer.from(signature);
    }
  }
}

/** Whether `signature` is valid for the request; malformed signatures are invalid, never an error. */
export function verifySignature(request: SignatureRequest, signature: Buffer): boolean {
  noble(); // outside the try: libraries not loaded are a programming error, not an invalid signature
  try {
    return verifyOrThrow(request, signature);
  } catch {
    return false;
  }
}

function verifyOrThrow(request: SignatureRequest, signature: Buffer): boolean {
  const { key, message, messageType } = request;
  const info = signingAlgorithms[request.algorithm]!;
  const hash = info.hash!;
  switch (info.scheme) {
    case 'rsa-pss':
      if (messageType === 'RAW') {
        return nodeVerify(hash, message, { key: key.publicKey!, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_BYTES[hash] }, signature);
      }
      return rsaPssVerifyDigest(key.publicKey!, hash, message, signature);
    case 'rsa-pkcs1': {
      if (messageType === 'RAW') return nodeVerify(hash, message, { key: key.publicKey!, padding: constants.RSA_PKCS1_PADDING }, signature);
      if (signature.length !== modulusBytes(key.publicKey!)) return false;
      const recovered = publicDecrypt({ key: key.publicKey!, padding: constants.RSA_PKCS1_PADDING }, signature);
      const expected = digestInfo(hash, message);
      return recovered.length === expected.length && timingSafeEqual(recovered, expected);
    }
    case 'ecdsa': {
      if (messageType === 'RAW') return nodeVerify(hash, message, { key: key.publicKey!, dsaEncoding: 'der' }, signature);
      const { curve, publicKey } = ecKeys(key);
      // lowS off: OpenSSL (and so our RAW path and most signers) do not normalise s.
      return curve.verify(signature, message, publicKey, { prehash: false, format: 'der', lowS: false });
    }
    case 'ed25519':
      return nodeVerify(null, message, key.publicKey!, signature);
    case 'ed25519ph':
      return ed25519phVerify(edKeys(key).publicKey, message, signature);
    case 'ml-dsa': {
      const dsa = mlDsa(request.keySpec);
      const { publicKey } = key.mlDsa!;
      return messageType === 'EXTERNAL_MU'
        ? dsa.internal.verify(signature, message, publicKey, { externalMu: true })
        : dsa.verify(signature, message, publicKey);
    }
  }
}

function mlDsa(keySpec: string) {
  const set = keySpecs[keySpec]?.mlDsa;
  if (!set) throw new Error(`${keySpec} is not an ML-DSA key spec`);
  return noble().mlDsa[set];
}

// ---------------------------------------------------------------------------------------------------
// ECDSA over a digest, and Ed25519ph

/** The curve of a JWK's `crv`. */
function curveOf(crv: string | undefined) {
  const { p256, p384, p521, secp256k1 } = noble();
  return ({ 'P-256': p256, 'P-384': p384, 'P-521': p521, secp256k1 } as const)[crv as 'P-256' | 'P-384' | 'P-521' | 'secp256k1'];
}

interface EcKeys {
  curve: Noble['p256'] | Noble['p384'] | Noble['p521'] | Noble['secp256k1'];
  /** The private scalar, read from the key object only when signing. */
  secret: () => Uint8Array;
  /** Uncompressed SEC1 point. */
  publicKey: Uint8Array;
}
interface EdKeys {
  seed: () => Buffer;
  publicKey: Buffer;
}
/** Per key object (key-pairs caches those per material), so a JWK export happens once per key. */
const ecCache = new WeakMap<AsymmetricKey, EcKeys>();
const edCache = new WeakMap<AsymmetricKey, EdKeys>();

const b64u = (value: string | undefined) => Buffer.from(value ?? '', 'base64url');

function ecKeys(key: AsymmetricKey): EcKeys {
  let hit = ecCache.get(key);
  if (!hit) {
    const jwk = key.publicKey!.export({ format: 'jwk' });
    const curve = curveOf(jwk.crv);
    if (!curve) throw new Error(`unsupported curve ${jwk.crv}`);
    const privateKey = key.privateKey;
    hit = {
      curve,
      secret: () => new Uint8Array(b64u(privateKey!.export({ format: 'jwk' }).d)),
      publicKey: new Uint8Array(Buffer.concat([Buffer.from([0x04]), b64u(jwk.x), b64u(jwk.y)])),
    };
    ecCache.set(key, hit);
  }
  return hit;
}

function edKeys(key: AsymmetricKey): EdKeys {
  let hit = edCache.get(key);
  if (!hit) {
    const privateKey = key.privateKey;
    hit = {
      seed: () => b64u(privateKey!.export({ format: 'jwk' }).d),
      publicKey: b64u(key.publicKey!.export({ format: 'jwk' }).x),
    };
    edCache.set(key, hit);
  }
  return hit;
}

/** The order L of the edwards25519 base point (RFC 8032 §5.1). */
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** dom2(phflag = 1, context = empty), RFC 8032 §5.1. */
const DOM2_PH = Buffer.concat([Buffer.from('SigEd25519 no Ed25519 collisions', 'latin1'), Buffer.from([1, 0])]);
const edPoint = () => noble().ed25519.Point;

const leToBigint = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);
function bigintToLe32(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, '0'), 'hex').reverse();
}
const sha512 = (...parts: Uint8Array[]) => {
  const h = createHash('sha512');
  for (const part of parts) h.update(part);
  return h.digest();
};

/** Ed25519ph signing (RFC 8032 §5.1.6) of PH(M) = the caller's SHA-512 digest. */
export function ed25519phSign(seed: Buffer, publicKey: Buffer, digest: Buffer): Buffer {
  const h = sha512(seed);
  const scalarBytes = Buffer.from(h.subarray(0, 32));
  scalarBytes[0]! &= 248;
  scalarBytes[31]! &= 127;
  scalarBytes[31]! |= 64;
  const s = leToBigint(scalarBytes);
  const r = leToBigint(sha512(DOM2_PH, h.subarray(32), digest)) % ED25519_L;
  const R = edPoint().BASE.multiply(r).toBytes();
  const k = leToBigint(sha512(DOM2_PH, R, publicKey, digest)) % ED25519_L;
  const S = (r + k * s) % ED25519_L;
  return Buffer.concat([R, bigintToLe32(S)]);
}

/** Ed25519ph verification (RFC 8032 §5.1.7, the cofactored equation [8][S]B = [8]R + [8][k]A'). */
export function ed25519phVerify(publicKey: Buffer, digest: Buffer, signature: Buffer): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  const rBytes = signature.subarray(0, 32);
  const S = leToBigint(signature.subarray(32));
  if (S >= ED25519_L) return false;
  const Point = edPoint();
  const A = Point.fromBytes(new Uint8Array(publicKey));
  const R = Point.fromBytes(new Uint8Array(rBytes));
  const k = leToBigint(sha512(DOM2_PH, rBytes, publicKey, digest)) % ED25519_L;
  const sB = Point.BASE.multiplyUnsafe(S);
  return sB.subtract(R).subtract(A.multiplyUnsafe(k)).clearCofactor().is0();
}
