/** VerifyMac: https://docs.aws.amazon.com/kms/latest/APIReference/API_VerifyMac.html */
import { macMatches } from '../core/hmac.js';
import { KMSInvalidMacException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { macKey } from './generate-mac.js';

export interface VerifyMacRequest {
  Message: Buffer;
  KeyId: string;
  MacAlgorithm: string;
  Mac: Buffer;
  GrantTokens?: string[];
  DryRun?: boolean;
}

/**
 * A MAC that does not match raises KMSInvalidMacException with no message [obs]; MacValid is never false.
 * A DryRun does not look at the MAC (our choice, AWS is silent): it answers whether the caller could verify.
 */
export async function verifyMac(input: VerifyMacRequest, ctx: OperationContext) {
  const { key, digest, material } = await macKey(ctx, input, 'VerifyMac');
  if (!macMatches(digest, material, input.Message, input.Mac)) throw new KMSInvalidMacException();
  return { KeyId: key.arn, MacValid: true, MacAlgorithm: input.MacAlgorithm };
}
