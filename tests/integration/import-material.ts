/** Bring your own key as a user does it, in one region: GetParametersForImport, wrap, ImportKeyMaterial. */
import { wrapKeyMaterial } from '../support/wrap-key-material.js';
import { kms } from './helpers.js';

export async function importInto(region: string, keyId: string, material: Buffer, importType?: 'NEW_KEY_MATERIAL' | 'EXISTING_KEY_MATERIAL') {
  const params = await kms(region).getParametersForImport({ KeyId: keyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' });
  return kms(region).importKeyMaterial({
    KeyId: keyId,
    ImportToken: params.ImportToken,
    EncryptedKeyMaterial: wrapKeyMaterial(params.PublicKey!, 'RSAES_OAEP_SHA_256', material),
    ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
    ImportType: importType,
  });
}
