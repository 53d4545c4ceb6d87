/** Sign: https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html */
import { checkSigningRequest, signMessage, type MessageType } from '../core/signing.js';
import type { KeyRecord } from '../core/types.js';
import type { OperationContext } from '../context/operation-context.js';
import { loadAsymmetricKey, requireKeyUsage } from '../keys/key-material.js';
import { resolveKey } from '../keys/resolve-key.js';
import { dryRunSucceeded } from '../keys/symmetric-crypto.js';

export interface SignRequest {
  KeyId: string;
  Message: Buffer;
  MessageType?: MessageType;
  GrantTokens?: string[];
  SigningAlgorithm: string;
  DryRun?: boolean;
}

/**
 * The steps Sign and Verify share, in this order: the key (authorization with kms:SigningAlgorithm and
 * kms:MessageType, then the key-state check), its usage, the algorithm against its spec, the message
 * type and digest length, then DryRun (after every check, before any key material is touched).
 */
export async function signingKey(
  ctx: OperationContext,
  input: SignRequest,
  operation: 'Sign' | 'Verify',
): Promise<{ key: KeyRecord; messageType: MessageType }> {
  const messageType = input.MessageType ?? 'RAW';
  const key = await resolveKey(ctx, input.KeyId, operation, {
    allowAlias: true,
    conditions: {
      extra: { 'kms:signingalgorithm': input.SigningAlgorithm, 'kms:messagetype': messageType },
      grantTokens: input.GrantTokens,
    },
  });
  requireKeyUsage(key, 'SIGN_VERIFY', operation);
  checkSigningRequest(key.keySpec, input.SigningAlgorithm, messageType, input.Message);
  if (input.DryRun) dryRunSucceeded();
  return { key, messageType };
}

export async function sign(input: SignRequest, ctx: OperationContext) {
  const { key, messageType } = await signingKey(ctx, input, 'Sign');
  const asymmetric = await loadAsymmetricKey(ctx, key);
  const signature = signMessage(
    { keySpec: key.keySpec, key: asymmetric, algorithm: input.SigningAlgorithm, messageType, message: input.Message },
    (n) => ctx.random.bytes(n),
  );
  return { KeyId: key.arn, Signature: signature, SigningAlgorithm: input.SigningAlgorithm };
}
