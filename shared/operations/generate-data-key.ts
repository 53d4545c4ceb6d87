/**
 * GenerateDataKey and GenerateDataKeyWithoutPlaintext:
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKey.html
 */
import type { EncryptionContext } from '../core/encryption-context.js';
import { ValidationException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from '../keys/resolve-key.js';
import { checkSymmetricEncryptionKey, dryRunSucceeded, refuseRecipient, seal } from '../keys/symmetric-crypto.js';

export interface GenerateDataKeyRequest {
  KeyId: string;
  EncryptionContext?: EncryptionContext;
  NumberOfBytes?: number;
  KeySpec?: 'AES_256' | 'AES_128';
  GrantTokens?: string[];
  Recipient?: unknown;
  DryRun?: boolean;
}

const keySpecBytes = { AES_128: 16, AES_256: 32 } as const;

async function generate(input: GenerateDataKeyRequest, ctx: OperationContext, operation: 'GenerateDataKey' | 'GenerateDataKeyWithoutPlaintext') {
  // Exactly one of KeySpec and NumberOfBytes.
  if ((input.KeySpec === undefined) === (input.NumberOfBytes === undefined)) {
    throw new ValidationException('Please specify either number of bytes or key spec.');
  }
  refuseRecipient(input, operation);
  const key = await resolveKey(ctx, input.KeyId, operation, {
    allowAlias: true,
    conditions: { encryptionContext: input.EncryptionContext, grantTokens: input.GrantTokens },
  });
  // Data keys are sealed under symmetric material only; an RSA key is InvalidKeyUsageException.
  checkSymmetricEncryptionKey(key, operation);
  if (input.DryRun) dryRunSucceeded();
  const plaintext = ctx.random.bytes(input.KeySpec ? keySpecBytes[input.KeySpec] : input.NumberOfBytes!);
  const { blob, keyMaterialId } = await seal(ctx, key, plaintext, input.EncryptionContext);
  return { CiphertextBlob: blob, Plaintext: plaintext, KeyId: key.arn, KeyMaterialId: keyMaterialId };
}

export async function generateDataKey(input: GenerateDataKeyRequest, ctx: OperationContext) {
  return generate(input, ctx, 'GenerateDataKey');
}

export async function generateDataKeyWithoutPlaintext(input: GenerateDataKeyRequest, ctx: OperationContext) {
  const { Plaintext: _secret, ...rest } = await generate(input, ctx, 'GenerateDataKeyWithoutPlaintext');
  return rest;
}
