/**
 * GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext:
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPair.html
 *
 * A fresh key pair of the requested KeyPairSpec; its PKCS#8 DER private key is sealed under a symmetric
 * encryption KMS key exactly as Encrypt seals (with the request's encryption context), so Decrypt of
 * PrivateKeyCiphertextBlob gives PrivateKeyPlaintext back. PublicKey is the DER SubjectPublicKeyInfo.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { EncryptionContext } from '../core/encryption-context.js';
import { newPrivateMaterial } from '../core/key-pairs.js';
import { UnsupportedOperationException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from '../keys/resolve-key.js';
import { checkSymmetricEncryptionKey, dryRunSucceeded, refuseRecipient, seal } from '../keys/symmetric-crypto.js';

export interface GenerateDataKeyPairRequest {
  KeyId: string;
  KeyPairSpec: string;
  EncryptionContext?: EncryptionContext;
  GrantTokens?: string[];
  Recipient?: unknown;
  DryRun?: boolean;
}

type Operation = 'GenerateDataKeyPair' | 'GenerateDataKeyPairWithoutPlaintext';

async function generate(input: GenerateDataKeyPairRequest, ctx: OperationContext, operation: Operation) {
  refuseRecipient(input, operation);
  const key = await resolveKey(ctx, input.KeyId, operation, {
    allowAlias: true,
    conditions: {
      encryptionContext: input.EncryptionContext,
      grantTokens: input.GrantTokens,
      extra: { 'kms:datakeypairspec': input.KeyPairSpec },
    },
  });
  // The private key is sealed under symmetric material: an asymmetric or HMAC KMS key is InvalidKeyUsageException.
  checkSymmetricEncryptionKey(key, operation);
  // SM2 key pairs exist only in the China Regions (KMS-REFERENCE §5); the model's enum lets the value through.
  if (input.KeyPairSpec === 'SM2') {
    throw new UnsupportedOperationException('KeyPairSpec SM2 is supported only in the AWS China Regions.');
  }
  if (input.DryRun) dryRunSucceeded();
  // KeyPairSpec values are KeySpec names, so CreateKey's generator makes the PKCS#8 DER private key.
  const privateKey = await newPrivateMaterial(input.KeyPairSpec, ctx.random);
  const publicKey = createPublicKey(createPrivateKey({ key: privateKey, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
  const { blob, keyMaterialId } = await seal(ctx, key, privateKey, input.EncryptionContext);
  return {
    PrivateKeyCiphertextBlob: blob,
    PrivateKeyPlaintext: privateKey,
    PublicKey: publicKey,
    KeyId: key.arn,
    KeyPairSpec: input.KeyPairSpec,
    KeyMaterialId: keyMaterialId,
  };
}

export async function generateDataKeyPair(input: GenerateDataKeyPairRequest, ctx: OperationContext) {
  return generate(input, ctx, 'GenerateDataKeyPair');
}

export async function generateDataKeyPairWithoutPlaintext(input: GenerateDataKeyPairRequest, ctx: OperationContext) {
  const { PrivateKeyPlaintext: _secret, ...rest } = await generate(input, ctx, 'GenerateDataKeyPairWithoutPlaintext');
  return rest;
}
