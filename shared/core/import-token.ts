/**
 * Import parameters (GetParametersForImport / ImportKeyMaterial, KMS-REFERENCE §9): the RSA wrapping key
 * pair, the self-contained import token, and unwrapping of the caller's encrypted key material.
 *
 * The token needs no store: it carries the key ARN, ParametersValidTo, the wrapping algorithm and spec
 * and the RSA private key (PKCS#8 DER), sealed with AES-256-GCM under a key derived from the root key
 * (MaterialVault.sealBlob). So a token cannot be forged or edited (InvalidImportTokenException), names the
 * one key it was issued for, and expires 24 hours after issue (ExpiredImportTokenException). The private
 * key never leaves the token in the clear, and is never stored, logged or put in an error.
 *
 * Layout: version (1 byte, 0x01) | sealBlob(iv | GCM( u16 header length | header JSON | private key DER ) | tag).
 * An RSA_4096 token is about 2.6 KB, within the 6144 bytes of CiphertextType.
 */
import { constants, createDecipheriv, createPrivateKey, generateKeyPair, privateDecrypt } from 'node:crypto';
import { promisify } from 'node:util';
import {
  ExpiredImportTokenException,
  InvalidCiphertextException,
  InvalidImportTokenException,
  UnsupportedOperationException,
  ValidationException,
} from '../errors.js';
import type { MaterialVault } from './material-vault.js';

export type WrappingAlgorithm = 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256' | 'RSA_AES_KEY_WRAP_SHA_1' | 'RSA_AES_KEY_WRAP_SHA_256';
export type WrappingKeySpec = 'RSA_2048' | 'RSA_3072' | 'RSA_4096';

/** AWS: each public key and import token set is valid for 24 hours. */
export const IMPORT_PARAMETERS_TTL_MS = 24 * 60 * 60 * 1000;
const TOKEN_VERSION = 1;
const PURPOSE = 'import-token';
const TOKEN_AAD = Buffer.from('kms-import-token-v1', 'utf8');

const MODULUS_BITS: Record<WrappingKeySpec, number> = { RSA_2048: 2048, RSA_3072: 3072, RSA_4096: 4096 };
const OAEP_HASH: Record<WrappingAlgorithm, 'sha1' | 'sha256'> = {
  RSAES_OAEP_SHA_1: 'sha1',
  RSAES_OAEP_SHA_256: 'sha256',
  RSA_AES_KEY_WRAP_SHA_1: 'sha1',
  RSA_AES_KEY_WRAP_SHA_256: 'sha256',
};
/** RFC 5649 alternative initial value (AES key wrap with padding); node prepends the length itself. */
const KWP_IV = Buffer.from('a65959a6', 'hex');

/** What a token stands for. */
export interface ImportParameters {
  keyArn: string;
  /** Epoch ms after which the token and its public key are no longer accepted. */
  parametersValidTo: number;
  wrappingAlgorithm: WrappingAlgorithm;
  wrappingKeySpec: WrappingKeySpec;
}

export interface WrappingKeyPair {
  /** DER SubjectPublicKeyInfo, the PublicKey of GetParametersForImport. */
  publicKey: Buffer;
  /** DER PKCS#8; goes only into the sealed token. */
  privateKey: Buffer;
}

/**
 * The combinations this service issues. The model also lists RSAES_PKCS1_V1_5 (AWS stopped accepting it
 * on 2023-10-10) and SM2PKE/SM2 (China Regions only); AWS's exact errors for them are unverified, so we
 * chose ValidationException for the retired algorithm and UnsupportedOperationException for SM2.
 */
export function checkWrappingParameters(algorithm: string, keySpec: string): asserts algorithm is WrappingAlgorithm {
  if (keySpec === 'SM2' || algorithm === 'SM2PKE') {
    throw new UnsupportedOperationException('SM2 wrapping keys and the SM2PKE wrapping algorithm are available only in China Regions.');
  }
  if (!(algorithm in OAEP_HASH)) {
    throw new ValidationException(`The wrapping algorithm ${algorithm} is not supported for importing key material.`);
  }
  if (!(keySpec in MODULUS_BITS)) throw new ValidationException(`The wrapping key spec ${keySpec} is not supported.`);
}

/** A fresh RSA wrapping key pair (node's generator draws its own randomness; the key is single-use). */
export async function generateWrappingKeyPair(keySpec: WrappingKeySpec): Promise<WrappingKeyPair> {
  const { publicKey, privateKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: MODULUS_BITS[keySpec],
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'der' },
  });
  return { publicKey: publicKey as unknown as Buffer, privateKey: privateKey as unknown as Buffer };
}

/** Seals parameters and the private key into a token. */
export async function issueImportToken(vault: MaterialVault, parameters: ImportParameters, privateKey: Buffer): Promise<Buffer> {
  const header = Buffer.from(
    JSON.stringify({
      k: parameters.keyArn,
      t: parameters.parametersValidTo,
      a: parameters.wrappingAlgorithm,
      s: parameters.wrappingKeySpec,
    }),
    'utf8',
  );
  const length = Buffer.alloc(2);
  length.writeUInt16BE(header.length);
  const sealed = await vault.sealBlob(PURPOSE, TOKEN_AAD, Buffer.concat([length, header, privateKey]));
  return Buffer.concat([Buffer.from([TOKEN_VERSION]), sealed]);
}

/**
 * Opens a token for `keyArn` as of `nowMs`. Checks in this order: authenticity (a token that is not ours
 * or was changed), the key it names, then expiry, so an expired token of another key is reported as
 * invalid rather than expired. AWS's messages for these errors are unverified; ours name no secrets.
 */
export async function openImportToken(
  vault: MaterialVault,
  token: Buffer,
  keyArn: string,
  nowMs: number,
): Promise<ImportParameters & { privateKey: Buffer }> {
  const invalid = () => new InvalidImportTokenException('The import token is invalid or is associated with a different KMS key.');
  if (token.length < 1 || token[0] !== TOKEN_VERSION) throw invalid();
  const plain = await vault.openBlob(PURPOSE, TOKEN_AAD, token.subarray(1));
  if (!plain || plain.length < 2) throw invalid();
  const headerLength = plain.readUInt16BE(0);
  let header: { k?: unknown; t?: unknown; a?: unknown; s?: unknown };
  try {
    header = JSON.parse(plain.subarray(2, 2 + headerLength).toString('utf8'));
  } catch {
    throw invalid();
  }
  if (header.k !== keyArn || typeof header.t !== 'number' || !(String(header.a) in OAEP_HASH) || !(String(header.s) in MODULUS_BITS)) {
    throw invalid();
  }
  if (nowMs > header.t) {
    throw new ExpiredImportTokenException('The import token has expired. Use GetParametersForImport to get a new import token and public key.');
  }
  return {
    keyArn,
    parametersValidTo: header.t,
    wrappingAlgorithm: header.a as WrappingAlgorithm,
    wrappingKeySpec: header.s as WrappingKeySpec,
    privateKey: plain.subarray(2 + headerLength),
  };
}

/**
 * Recovers the key material from EncryptedKeyMaterial:
 * - RSAES_OAEP_SHA_*: RSA-OAEP (SHA-1 or SHA-256, MGF1 with the same hash) of the material itself;
 * - RSA_AES_KEY_WRAP_SHA_*: RSA-OAEP of an ephemeral 32-byte AES key (one modulus length), followed by
 *   AES-KWP (RFC 5649) of the material under that key.
 * Any failure is InvalidCiphertextException with no message, as AWS sends it.
 */
export function unwrapKeyMaterial(
  parameters: Pick<ImportParameters, 'wrappingAlgorithm' | 'wrappingKeySpec'> & { privateKey: Buffer },
  encrypted: Buffer,
): Buffer {
  try {
    const privateKey = createPrivateKey({ key: parameters.privateKey, format: 'der', type: 'pkcs8' });
    const rsa = (data: Buffer) =>
      privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: OAEP_HASH[parameters.wrappingAlgorithm] }, data);
    if (parameters.wrappingAlgorithm.startsWith('RSAES_OAEP')) return rsa(encrypted);
    const modulusBytes = MODULUS_BITS[parameters.wrappingKeySpec] / 8;
    if (encrypted.length <= modulusBytes) throw new Error('no wrapped material after the wrapped AES key');
    const aesKey = rsa(encrypted.subarray(0, modulusBytes));
    if (aesKey.length !== 32) throw new Error('the ephemeral key must be 256 bits');
    const decipher = createDecipheriv('id-aes256-wrap-pad', aesKey, KWP_IV);
    return Buffer.concat([decipher.update(encrypted.subarray(modulusBytes)), decipher.final()]);
  } catch {
    throw new InvalidCiphertextException();
  }
}
