/** GetPublicKey: https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html */
import { algorithmLists, keySpecs } from '../core/key-specs.js';
import { UnsupportedOperationException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { loadAsymmetricKey } from '../keys/key-material.js';
import { resolveKey } from '../keys/resolve-key.js';

export interface GetPublicKeyRequest {
  KeyId: string;
  GrantTokens?: string[];
}

/**
 * The DER SubjectPublicKeyInfo of an asymmetric key (any usage: SIGN_VERIFY, ENCRYPT_DECRYPT, KEY_AGREEMENT)
 * with the algorithm list of its usage. Symmetric and HMAC keys have no public key: AWS names
 * UnsupportedOperationException for them without an observed message; the wording is ours, in the style
 * of the key-usage message.
 */
export async function getPublicKey(input: GetPublicKeyRequest, ctx: OperationContext) {
  const key = await resolveKey(ctx, input.KeyId, 'GetPublicKey', { allowAlias: true, conditions: { grantTokens: input.GrantTokens } });
  const family = keySpecs[key.keySpec]?.family;
  if (!family || family === 'symmetric' || family === 'hmac') {
    throw new UnsupportedOperationException(`${key.arn} key spec is ${key.keySpec} which is not valid for GetPublicKey.`);
  }
  const { publicKeyDer } = await loadAsymmetricKey(ctx, key);
  const { EncryptionAlgorithms, SigningAlgorithms, KeyAgreementAlgorithms } = algorithmLists(key.keySpec, key.keyUsage);
  return {
    KeyId: key.arn,
    PublicKey: publicKeyDer,
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    KeyUsage: key.keyUsage,
    EncryptionAlgorithms,
    SigningAlgorithms,
    KeyAgreementAlgorithms,
  };
}
