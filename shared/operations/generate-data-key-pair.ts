/** GenerateDataKeyPair: https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateDataKeyPair.html (being built) */
import { UnsupportedOperationException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';

export async function generateDataKeyPair(_input: { KeyId: string }, _ctx: OperationContext): Promise<object | void> {
  throw new UnsupportedOperationException('GenerateDataKeyPair is not supported yet.');
}

export async function generateDataKeyPairWithoutPlaintext(_input: { KeyId: string }, _ctx: OperationContext): Promise<object | void> {
  throw new UnsupportedOperationException('GenerateDataKeyPairWithoutPlaintext is not supported yet.');
}
