/**
 * What a KMS user does before ImportKeyMaterial: encrypts key material under the PublicKey of
 * GetParametersForImport (KMS-REFERENCE §9), with node:crypto only, independently of the service's code.
 * - RSAES_OAEP_SHA_1/256: RSA-OAEP (MGF1 with the same hash) of the material.
 * - RSA_AES_KEY_WRAP_SHA_1/256: RSA-OAEP of a fresh 32-byte AES key, then AES-KWP (RFC 5649) of the material.
 */
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';

export type TestWrappingAlgorithm = 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | 'RSA_AES_KEY_WRAP_SHA_1' | 'RSA_AES_KEY_WRAP_SHA_256';

export function wrapKeyMaterial(publicKeyDer: Uint8Array, algorithm: TestWrappingAlgorithm, material: Uint8Array): Buffer {
  const key = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
  const oaepHash = algorithm.endsWith('SHA_1') ? 'sha1' : 'sha256';
  const rsa = (data: Buffer) => publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, data);
  if (algorithm.startsWith('RSAES_OAEP')) return rsa(Buffer.from(material));
  const aesKey = randomBytes(32);
  const kwp = createCipheriv('id-aes256-wrap-pad', aesKey, Buffer.from('a65959a6', 'hex'));
  return Buffer.concat([rsa(aesKey), kwp.update(Buffer.from(material)), kwp.final()]);
}
