/** Bring your own key as a user does it, in one region: GetParametersForImport, wrap, ImportKeyMaterial. */
import { wrapKeyMaterial, type TestWrappingAlgorithm } from '../support/wrap-key-material.js';
import { kms } from './helpers.js';

export async function importInto(
  region: string,
  keyId: string,
  material: Buffer,
  importType?: 'NEW_KEY_MATERIAL' | 'EXISTING_KEY_MATERIAL',
  algorithm: TestWrappingAlgorithm = 'RSAES_OAEP_SHA_256',
) {
  const params = await kms(region).getParametersForImport({ KeyId: keyId, WrappingAlgorithm: algorithm, WrappingKeySpec: 'RSA_3072' });
  return kms(region).importKeyMaterial({
    KeyId: keyId,
    ImportToken: params.ImportToken,
    EncryptedKeyMaterial: wrapKeyMaterial(params.PublicKey!, algorithm, material),
    ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    ImportType: importType,
  });
}
