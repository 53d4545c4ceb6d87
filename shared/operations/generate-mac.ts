/** GenerateMac: https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateMac.html (being built) */
import { UnsupportedOperationException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';

export async function generateMac(_input: { KeyId: string }, _ctx: OperationContext): Promise<object | void> {
  throw new UnsupportedOperationException('GenerateMac is not supported yet.');
}
