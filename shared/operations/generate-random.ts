/** GenerateRandom: https://docs.aws.amazon.com/kms/latest/APIReference/API_GenerateRandom.html */
import { CustomKeyStoreNotFoundException, ValidationException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';

export interface GenerateRandomRequest {
  NumberOfBytes?: number;
  CustomKeyStoreId?: string;
}

export async function generateRandom(input: GenerateRandomRequest, ctx: OperationContext) {
  // Optional in the model, required by the service (KMS-REFERENCE §4, observed wording).
  if (input.NumberOfBytes === undefined) throw new ValidationException('NumberOfBytes is required.');
  // This service has no custom key stores, so any id names one that does not exist.
  if (input.CustomKeyStoreId !== undefined) throw new CustomKeyStoreNotFoundException();
  return { Plaintext: ctx.random.bytes(input.NumberOfBytes) };
}
