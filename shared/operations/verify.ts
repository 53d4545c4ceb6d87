/** Verify: https://docs.aws.amazon.com/kms/latest/APIReference/API_Verify.html (being built) */
import { UnsupportedOperationException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';

export async function verify(_input: { KeyId: string }, _ctx: OperationContext): Promise<object | void> {
  throw new UnsupportedOperationException('Verify is not supported yet.');
}
