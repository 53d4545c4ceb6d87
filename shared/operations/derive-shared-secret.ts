/**
 * DeriveSharedSecret: https://docs.aws.amazon.com/kms/latest/APIReference/API_DeriveSharedSecret.html
 *
 * ECDH between the private key of a KEY_AGREEMENT KMS key (ECC_NIST_P256/P384/P521) and the peer's public
 * key (DER SubjectPublicKeyInfo). SharedSecret is the raw x-coordinate of the shared point, what
 * crypto.diffieHellman and `openssl pkeyutl -derive` give; no KDF is applied, as in AWS.
 */
import { createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';
import { keySpecs } from '../core/key-specs.js';
import type { KeyRecord } from '../core/types.js';
import { InvalidKeyUsageException, ValidationException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { loadAsymmetricKey, requireKeyUsage } from '../keys/key-material.js';
import { resolveKey } from '../keys/resolve-key.js';
import { dryRunSucceeded, refuseRecipient } from '../keys/symmetric-crypto.js';

export interface DeriveSharedSecretRequest {
  KeyId: string;
  KeyAgreementAlgorithm: string;
  PublicKey: Buffer;
  GrantTokens?: string[];
  Recipient?: unknown;
  DryRun?: boolean;
}

export async function deriveSharedSecret(input: DeriveSharedSecretRequest, ctx: OperationContext) {
  refuseRecipient(input, 'DeriveSharedSecret');
  const key = await resolveKey(ctx, input.KeyId, 'DeriveSharedSecret', {
    allowAlias: true,
    conditions: { grantTokens: input.GrantTokens, extra: { 'kms:keyagreementalgorithm': input.KeyAgreementAlgorithm } },
  });
  requireKeyUsage(key, 'KEY_AGREEMENT', 'DeriveSharedSecret');
  if (!keySpecs[key.keySpec]?.keyAgreement?.includes(input.KeyAgreementAlgorithm)) {
    throw new InvalidKeyUsageException(`Algorithm ${input.KeyAgreementAlgorithm} is incompatible with key spec ${key.keySpec}.`);
  }
  const peer = peerPublicKey(key, input.PublicKey);
  if (input.DryRun) dryRunSucceeded();
  const { privateKey } = await loadAsymmetricKey(ctx, key);
  let sharedSecret: Buffer;
  try {
    sharedSecret = diffieHellman({ privateKey: privateKey!, publicKey: peer });
  } catch {
    throw invalidPublicKey(); // e.g. a point OpenSSL accepted when parsing but not for the derivation
  }
  return {
    KeyId: key.arn,
    SharedSecret: sharedSecret,
    KeyAgreementAlgorithm: input.KeyAgreementAlgorithm,
    KeyOrigin: key.origin,
  };
}

/**
 * The peer's key must be a DER SPKI EC public key on the KMS key's curve; anything else (garbage, PEM,
 * another curve, an RSA key) is ValidationException with no message, as AWS answers [obs].
 */
function peerPublicKey(key: KeyRecord, der: Buffer): KeyObject {
  let peer: KeyObject;
  try {
    peer = createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    throw invalidPublicKey();
  }
  if (peer.asymmetricKeyType !== 'ec' || peer.asymmetricKeyDetails?.namedCurve !== keySpecs[key.keySpec]?.curve) {
    throw invalidPublicKey();
  }
  return peer;
}

const invalidPublicKey = () => new ValidationException();
