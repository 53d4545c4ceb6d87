/** RSA signatures over a digest (RFC 8017): PKCS #1 v1.5 DigestInfo and PSS encoding, for core/signing.ts. */
import { constants, createHash, privateDecrypt, publicEncrypt, timingSafeEqual, type KeyObject } from 'node:crypto';

export type Hash = 'sha256' | 'sha384' | 'sha512';

export const HASH_BYTES: Record<Hash, number> = { sha256: 32, sha384: 48, sha512: 64 };

/** DER of DigestInfo's AlgorithmIdentifier and OCTET STRING header, per hash (RFC 8017 §9.2 note 1). */
const DIGEST_INFO_PREFIX: Record<Hash, Buffer> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

export function digestInfo(hash: Hash, digest: Buffer): Buffer {
  return Buffer.concat([DIGEST_INFO_PREFIX[hash], digest]);
}

export const modulusBits = (key: KeyObject) => key.asymmetricKeyDetails!.modulusLength!;
export const modulusBytes = (key: KeyObject) => Math.ceil(modulusBits(key) / 8);

function mgf1(hash: Hash, seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  const counter = Buffer.alloc(4);
  for (let i = 0, produced = 0; produced < length; i++, produced += HASH_BYTES[hash]) {
    counter.writeUInt32BE(i);
    blocks.push(createHash(hash).update(seed).update(counter).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** H = Hash(0x00 * 8 || mHash || salt), RFC 8017 §9.1.1 steps 5-6. */
const pssHash = (hash: Hash, mHash: Buffer, salt: Buffer) =>
  createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with sLen = hLen. */
export function emsaPssEncode(hash: Hash, mHash: Buffer, emBits: number, salt: Buffer): Buffer {
  const hLen = HASH_BYTES[hash];
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + salt.length + 2) throw new Error('encoding error: modulus too small');
  const h = pssHash(hash, mHash, salt);
  const db = Buffer.alloc(emLen - hLen - 1); // PS (zeros) || 0x01 || salt
  db[db.length - salt.length - 1] = 0x01;
  salt.copy(db, db.length - salt.length);
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> (8 * emLen - emBits);
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2) with sLen = hLen. */
export function emsaPssVerify(hash: Hash, mHash: Buffer, em: Buffer, emBits: number): boolean {
  const hLen = HASH_BYTES[hash];
  const sLen = hLen;
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < hLen + sLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const topBits = 8 * emLen - emBits;
  const db = Buffer.from(em.subarray(0, emLen - hLen - 1));
  const h = em.subarray(emLen - hLen - 1, emLen - 1);
  if ((db[0]! & ~(0xff >> topBits) & 0xff) !== 0) return false;
  const mask = mgf1(hash, h, db.length);
  for (let i = 0; i < db.length; i++) db[i]! ^= mask[i]!;
  db[0]! &= 0xff >> topBits;
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  return timingSafeEqual(h, pssHash(hash, mHash, db.subarray(db.length - sLen)));
}

export function rsaPssSignDigest(privateKey: KeyObject, hash: Hash, digest: Buffer, salt: Buffer): Buffer {
  const bits = modulusBits(privateKey);
  const k = Math.ceil(bits / 8);
  const em = emsaPssEncode(hash, digest, bits - 1, salt);
  // RSASP1 is the raw private-key operation: privateDecrypt without padding (input must be k bytes).
  return privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, Buffer.concat([Buffer.alloc(k - em.length), em]));
}

export function rsaPssVerifyDigest(publicKey: KeyObject, hash: Hash, digest: Buffer, signature: Buffer): boolean {
  const bits = modulusBits(publicKey);
  const k = Math.ceil(bits / 8);
  if (signature.length !== k) return false;
  // RSAVP1 is the raw public-key operation (OpenSSL refuses a signature >= n, which we count as invalid).
  const m = publicEncrypt({ key: publicKey, padding: constants.RSA_NO_PADDING }, signature);
  const emLen = Math.ceil((bits - 1) / 8);
  for (let i = 0; i < k - emLen; i++) if (m[i] !== 0) return false;
  return emsaPssVerify(hash, digest, m.subarray(k - emLen), bits - 1);
}
