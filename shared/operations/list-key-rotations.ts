/** ListKeyRotations: https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeyRotations.html (being built) */
import { UnsupportedOperationException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';

export async function listKeyRotations(_input: { KeyId: string }, _ctx: OperationContext): Promise<object | void> {
  throw new UnsupportedOperationException('ListKeyRotations is not supported yet.');
}
