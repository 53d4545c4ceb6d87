/** GetParametersForImport: https://docs.aws.amazon.com/kms/latest/APIReference/API_GetParametersForImport.html */
import {
  checkWrappingParameters,
  generateWrappingKeyPair,
  IMPORT_PARAMETERS_TTL_MS,
  issueImportToken,
  type WrappingKeySpec,
} from '../core/import-token.js';
import type { KeyRecord } from '../core/types.js';
import { UnsupportedOperationException } from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { resolveKey } from '../keys/resolve-key.js';

export interface GetParametersForImportRequest {
  KeyId: string;
  WrappingAlgorithm: string;
  WrappingKeySpec: string;
}

/** Import operations are only for keys created without material ([obs] message for AWS_KMS keys). */
export function checkExternalOrigin(key: KeyRecord): void {
  if (key.origin !== 'EXTERNAL') {
    throw new UnsupportedOperationException(`${key.arn} origin is ${key.origin} which is not valid for this operation.`);
  }
}

export async function getParametersForImport(input: GetParametersForImportRequest, ctx: OperationContext) {
  const key = await resolveKey(ctx, input.KeyId, 'GetParametersForImport', {
    allowAlias: false,
    conditions: {
      extra: { 'kms:wrappingalgorithm': input.WrappingAlgorithm, 'kms:wrappingkeyspec': input.WrappingKeySpec },
    },
  });
  checkExternalOrigin(key);
  // Every key spec can be imported; which wrapping can carry which material is plain arithmetic (RSAES_OAEP
  // cannot carry an RSA private key), so a combination that cannot work fails when the client wraps.
  checkWrappingParameters(input.WrappingAlgorithm, input.WrappingKeySpec);
  const spec = input.WrappingKeySpec as WrappingKeySpec;
  const parametersValidTo = ctx.clock.now().getTime() + IMPORT_PARAMETERS_TTL_MS;
  const pair = await generateWrappingKeyPair(spec);
  const token = await issueImportToken(
    ctx.vault,
    { keyArn: key.arn, parametersValidTo, wrappingAlgorithm: input.WrappingAlgorithm, wrappingKeySpec: spec },
    pair.privateKey,
  );
  return { KeyId: key.arn, ImportToken: token, PublicKey: pair.publicKey, ParametersValidTo: new Date(parametersValidTo) };
}
