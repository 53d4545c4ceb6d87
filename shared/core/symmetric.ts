/**
 * SYMMETRIC_DEFAULT encryption. Each message gets its own AES-256-GCM key, derived with HKDF-SHA256 from
 * the backing key and a random 16-byte nonce (as AWS derives per-message keys), so a backing key can seal
 * any number of messages without nearing GCM's random-IV limit.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { InvalidCiphertextException } from '../errors.js';
import { encodeHeader, IV_LENGTH, NONCE_LENGTH, type ParsedCiphertext } from './ciphertext.js';
import { canonicalEncryptionContext, type EncryptionContext } from './encryption-context.js';

const INFO = Buffer.from('kms-ciphertext-v1');

/**
 * HKDF-SHA256 (RFC 5869) of one 32-byte block: extract with the nonce as salt, expand once. Written as
 * its two HMACs because node's hkdfSync costs twice as much per call on this hot path; a unit test
 * checks it against hkdfSync.
 */
export function messageKey(material: Buffer, nonce: Buffer): Buffer {
  const prk = createHmac('sha256', nonce).update(material).digest();
  return createHmac('sha256', prk).update(INFO).update(BLOCK_1).digest();
}
const BLOCK_1 = Buffer.from([1]);

export interface SealInput {
  keyId: string;
  keyMaterialId: string;
  material: Buffer;
  plaintext: Buffer;
  context?: EncryptionContext;
  /** Random bytes for nonce and iv (injected: conventions §11). */
  randomBytes: (n: number) => Buffer;
}

export function sealSymmetric(input: SealInput): Buffer {
  const nonce = input.randomBytes(NONCE_LENGTH);
  const iv = input.randomBytes(IV_LENGTH);
  const header = encodeHeader({ keyId: input.keyId, keyMaterialId: input.keyMaterialId, nonce });
  const cipher = createCipheriv('aes-256-gcm', messageKey(input.material, nonce), iv);
  cipher.setAAD(Buffer.concat([header, canonicalEncryptionContext(input.context)]));
  const body = Buffer.concat([cipher.update(input.plaintext), cipher.final()]);
  return Buffer.concat([header, iv, body, cipher.getAuthTag()]);
}

/** Opens a parsed blob; any authentication failure is InvalidCiphertextException (no message, as AWS). */
export function openSymmetric(parsed: ParsedCiphertext, material: Buffer, context?: EncryptionContext): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', messageKey(material, parsed.nonce), parsed.iv);
    decipher.setAAD(Buffer.concat([parsed.header, canonicalEncryptionContext(context)]));
    decipher.setAuthTag(parsed.tag);
    return Buffer.concat([decipher.update(parsed.body), decipher.final()]);
  } catch {
    throw new InvalidCiphertextException();
  }
}
