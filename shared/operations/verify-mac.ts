/** VerifyMac: https://docs.aws.amazon.com/kms/latest/APIReference/API_VerifyMac.html (being built) */
import { UnsupportedOperationException } from '../protocol/errors.js';
import type { OperationContext } from './context.js';

export async function verifyMac(_input: { KeyId: string }, _ctx: OperationContext): Promise<object | void> {
  throw new UnsupportedOperationException('VerifyMac is not supported yet.');
}
