/**
 * Our symmetric ciphertext blob. Like AWS's (KMS-REFERENCE §6) it starts with a cleartext header that
 * names the key and the exact key material, so Decrypt needs no KeyId and never tries materials in turn.
 *
 *   version (1) = 0x01
 *   keyIdLength (1) | keyId (ASCII, a UUID or mrk- id)
 *   keyMaterialId (32 bytes; shown as 64 hex)
 *   nonce (16)   salt of the per-message key derived from the material
 *   iv (12) | ciphertext | tag (16)   AES-256-GCM; AAD = header bytes | canonical encryption context
 *
 * The header (everything before the iv) is authenticated as AAD, so changing it breaks decryption.
 */
import { InvalidCiphertextException } from '../errors.js';

export const CIPHERTEXT_VERSION = 0x01;
export const NONCE_LENGTH = 16;
export const IV_LENGTH = 12;
export const TAG_LENGTH = 16;
const MATERIAL_ID_BYTES = 32;

export interface CiphertextHeader {
  keyId: string;
  keyMaterialId: string;
  nonce: Buffer;
}

export interface ParsedCiphertext extends CiphertextHeader {
  /** The header bytes, authenticated as AAD. */
  header: Buffer;
  iv: Buffer;
  body: Buffer;
  tag: Buffer;
}

export function encodeHeader(h: CiphertextHeader): Buffer {
  const keyId = Buffer.from(h.keyId, 'ascii');
  const material = Buffer.from(h.keyMaterialId, 'hex');
  if (material.length !== MATERIAL_ID_BYTES || h.nonce.length !== NONCE_LENGTH || keyId.length > 255) {
    throw new Error('invalid ciphertext header');
  }
  return Buffer.concat([Buffer.from([CIPHERTEXT_VERSION, keyId.length]), keyId, material, h.nonce]);
}

/** Splits a blob into its parts, or throws InvalidCiphertextException (no message, as AWS). */
export function parseCiphertext(blob: Buffer): ParsedCiphertext {
  if (blob.length < 2 || blob[0] !== CIPHERTEXT_VERSION) throw new InvalidCiphertextException();
  const keyIdLength = blob[1]!;
  const headerLength = 2 + keyIdLength + MATERIAL_ID_BYTES + NONCE_LENGTH;
  if (blob.length < headerLength + IV_LENGTH + TAG_LENGTH) throw new InvalidCiphertextException();
  const keyId = blob.toString('ascii', 2, 2 + keyIdLength);
  let offset = 2 + keyIdLength;
  const keyMaterialId = blob.toString('hex', offset, offset + MATERIAL_ID_BYTES);
  offset += MATERIAL_ID_BYTES;
  const nonce = blob.subarray(offset, offset + NONCE_LENGTH);
  const header = blob.subarray(0, headerLength);
  const iv = blob.subarray(headerLength, headerLength + IV_LENGTH);
  const body = blob.subarray(headerLength + IV_LENGTH, blob.length - TAG_LENGTH);
  const tag = blob.subarray(blob.length - TAG_LENGTH);
  return { keyId, keyMaterialId, nonce, header, iv, body, tag };
}
