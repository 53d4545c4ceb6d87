/** Sign: https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html (being built) */
import { UnsupportedOperationException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';

export async function sign(_input: { KeyId: string }, _ctx: OperationContext): Promise<object | void> {
  throw new UnsupportedOperationException('Sign is not supported yet.');
}
