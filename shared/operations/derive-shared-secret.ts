/** DeriveSharedSecret: https://docs.aws.amazon.com/kms/latest/APIReference/API_DeriveSharedSecret.html (being built) */
import { UnsupportedOperationException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';

export async function deriveSharedSecret(_input: { KeyId: string }, _ctx: OperationContext): Promise<object | void> {
  throw new UnsupportedOperationException('DeriveSharedSecret is not supported yet.');
}
