/** GetPublicKey: https://docs.aws.amazon.com/kms/latest/APIReference/API_GetPublicKey.html (being built) */
import { UnsupportedOperationException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';

export async function getPublicKey(_input: { KeyId: string }, _ctx: OperationContext): Promise<object | void> {
  throw new UnsupportedOperationException('GetPublicKey is not supported yet.');
}
