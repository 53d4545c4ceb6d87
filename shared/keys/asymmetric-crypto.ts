/**
 * Encrypt, Decrypt and ReEncrypt with RSA ENCRYPT_DECRYPT keys (RSAES_OAEP_SHA_1 / RSAES_OAEP_SHA_256,
 * core/rsa-oaep). The ciphertext is raw OAEP output with no header (KMS-REFERENCE §6), so opening it needs
 * the KeyId and the algorithm from the request; a wrong key or garbage is InvalidCiphertextException with
 * no message, as for symmetric blobs. Only the service holds the private key; the public key is what
 * GetPublicKey returns.
 */
import { checkPlaintextLength, rsaOaepDecrypt, rsaOaepEncrypt, type RsaOaepAlgorithm } from '../core/rsa-oaep.js';
import type { KeyRecord } from '../core/types.js';
import { InvalidCiphertextException, ValidationException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { loadAsymmetricKey } from './key-material.js';
import { resolveKey } from './resolve-key.js';
import { checkEncryptionKey, type OpenRequest } from './symmetric-crypto.js';

/** Checks the plaintext against AWS's limit for the key size and algorithm (before any DryRun answer). */
export function checkRsaPlaintext(key: KeyRecord, algorithm: string, plaintext: Buffer): void {
  checkPlaintextLength(key.keySpec, algorithm as RsaOaepAlgorithm, plaintext);
}

/** RSA-OAEP under the key's public key; the caller has run checkEncryptionKey and checkRsaPlaintext. */
export async function sealAsymmetric(ctx: OperationContext, key: KeyRecord, algorithm: string, plaintext: Buffer): Promise<Buffer> {
  const { publicKey } = await loadAsymmetricKey(ctx, key);
  return rsaOaepEncrypt(publicKey!, algorithm as RsaOaepAlgorithm, plaintext);
}

export interface AsymmetricOpenRequest extends OpenRequest {
  algorithm: string;
}

/**
 * Opens raw RSA ciphertext: the named key is resolved (authorization as kms:Decrypt or kms:ReEncryptFrom,
 * then the key-state table), the algorithm checked against it, then the private key decrypts. As with
 * open(), a DryRun checks all of this, so callers raise DryRun afterwards.
 */
export async function openAsymmetric(ctx: OperationContext, request: AsymmetricOpenRequest) {
  const keyMember = request.operation === 'Decrypt' ? 'KeyId' : 'SourceKeyId';
  if (request.expectedKeyId === undefined) {
    // [unverified] AWS documents that KeyId is required here but not the error; ValidationException is ours.
    throw new ValidationException(
      `${keyMember} is required when the ciphertext was encrypted under an asymmetric KMS key (algorithm ${request.algorithm}).`,
    );
  }
  const key = await resolveKey(ctx, request.expectedKeyId, request.operation, {
    allowAlias: true,
    action: request.operation === 'Decrypt' ? 'kms:Decrypt' : 'kms:ReEncryptFrom',
    conditions: { encryptionContext: request.context, encryptionAlgorithm: request.algorithm, grantTokens: request.grantTokens },
  });
  const members = request.operation === 'Decrypt'
    ? undefined
    : { algorithm: 'SourceEncryptionAlgorithm', context: 'SourceEncryptionContext' };
  const algorithm = checkEncryptionKey(key, request.operation, request.algorithm, request.context, members);
  const { privateKey } = await loadAsymmetricKey(ctx, key);
  const plaintext = rsaOaepDecrypt(privateKey!, algorithm as RsaOaepAlgorithm, request.blob);
  if (!plaintext) throw new InvalidCiphertextException();
  return { key, plaintext, algorithm, keyMaterialId: undefined };
}

/** Whether a request's algorithm member names an asymmetric algorithm (then the ciphertext has no header). */
export const isAsymmetricAlgorithm = (algorithm: string | undefined): algorithm is string =>
  algorithm !== undefined && algorithm !== 'SYMMETRIC_DEFAULT';
