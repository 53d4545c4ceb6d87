/** Verify: https://docs.aws.amazon.com/kms/latest/APIReference/API_Verify.html */
import { verifySignature, type MessageType } from '../core/signing.js';
import { KMSInvalidSignatureException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { loadAsymmetricKey } from '../keys/key-material.js';
import { signingKey } from './sign.js';

export interface VerifyRequest {
  KeyId: string;
  Message: Buffer;
  MessageType?: MessageType;
  Signature: Buffer;
  SigningAlgorithm: string;
  GrantTokens?: string[];
  DryRun?: boolean;
}

/**
 * A signature that does not verify (tampered, another key's, another algorithm's, malformed) raises
 * KMSInvalidSignatureException with no message [obs]; SignatureValid is never false. A DryRun does not
 * look at the signature (our choice, as VerifyMac: AWS is silent): it answers whether the caller could verify.
 */
export async function verify(input: VerifyRequest, ctx: OperationContext) {
  const { key, messageType } = await signingKey(ctx, input, 'Verify');
  const asymmetric = await loadAsymmetricKey(ctx, key);
  const request = { keySpec: key.keySpec, key: asymmetric, algorithm: input.SigningAlgorithm, messageType, message: input.Message };
  if (!verifySignature(request, input.Signature)) throw new KMSInvalidSignatureException();
  return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: input.SigningAlgorithm };
}
