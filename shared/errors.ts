/**
 * AWS's errors, one class per exception name, neutral of the protocol (the lowest layer: every other
 * module may throw them; shared/protocol turns them into `{"__type", "message"}` bodies).
 * One class per AWS KMS exception. Real KMS answers every client error with HTTP 400 (observed, see
 * KMS-REFERENCE §2) even where the Smithy model says 404/409/412, so 400 is the default here; only the
 * server faults differ. Messages are optional because AWS sends some exceptions without one.
 */
export class KmsError extends Error {
  constructor(
    readonly type: string,
    message?: string,
    readonly statusCode = 400,
  ) {
    super(message ?? '');
    this.name = type;
  }
  /** Whether the wire body carries a message member (AWS omits it for some exceptions). */
  get hasMessage(): boolean {
    return this.message !== '';
  }
}

const clientError = (type: string) =>
  class extends KmsError {
    constructor(message?: string) {
      super(type, message, 400);
    }
  };

export const NotFoundException = clientError('NotFoundException');
export const DisabledException = clientError('DisabledException');
export const KMSInvalidStateException = clientError('KMSInvalidStateException');
export const KMSInvalidMacException = clientError('KMSInvalidMacException');
export const KMSInvalidSignatureException = clientError('KMSInvalidSignatureException');
export const InvalidCiphertextException = clientError('InvalidCiphertextException');
export const IncorrectKeyException = clientError('IncorrectKeyException');
export const InvalidKeyUsageException = clientError('InvalidKeyUsageException');
export const AlreadyExistsException = clientError('AlreadyExistsException');
export const ValidationException = clientError('ValidationException');
export const UnsupportedOperationException = clientError('UnsupportedOperationException');
export const InvalidAliasNameException = clientError('InvalidAliasNameException');
export const InvalidArnException = clientError('InvalidArnException');
export const InvalidMarkerException = clientError('InvalidMarkerException');
export const InvalidGrantTokenException = clientError('InvalidGrantTokenException');
export const InvalidGrantIdException = clientError('InvalidGrantIdException');
export const LimitExceededException = clientError('LimitExceededException');
export const ConflictException = clientError('ConflictException');
export const TagException = clientError('TagException');
export const DryRunOperationException = clientError('DryRunOperationException');
export const AccessDeniedException = clientError('AccessDeniedException');
export const NotAuthorizedException = clientError('NotAuthorizedException');
export const MalformedPolicyDocumentException = clientError('MalformedPolicyDocumentException');
export const ExpiredImportTokenException = clientError('ExpiredImportTokenException');
export const InvalidImportTokenException = clientError('InvalidImportTokenException');
export const IncorrectKeyMaterialException = clientError('IncorrectKeyMaterialException');
/** Protocol-layer errors (not in the KMS model). */
export const SerializationException = clientError('SerializationException');
export const UnknownOperationException = clientError('UnknownOperationException');
export const MissingAuthenticationTokenException = clientError('MissingAuthenticationTokenException');
export const IncompleteSignatureException = clientError('IncompleteSignatureException');
export const InvalidSignatureException = clientError('InvalidSignatureException');
export const UnrecognizedClientException = clientError('UnrecognizedClientException');

/** The local runtime's answer for a region taken down (`npm run region -- down`), like an unreachable endpoint. */
export class ServiceUnavailableException extends KmsError {
  constructor(message: string) {
    super('ServiceUnavailableException', message, 503);
  }
}

export class DependencyTimeoutException extends KmsError {
  constructor(message = 'The system timed out while trying to fulfill the request. You can retry the request.') {
    super('DependencyTimeoutException', message, 503);
  }
}

export class KMSInternalException extends KmsError {
  constructor(message = 'An internal error occurred.') {
    super('KMSInternalException', message, 500);
  }
}

/** The body AWS JSON 1.1 clients parse: `__type` plus a lowercase `message` when there is one. */
export function errorBody(error: KmsError): string {
  return JSON.stringify(error.hasMessage ? { __type: error.type, message: error.message } : { __type: error.type });
}
export const CustomKeyStoreNotFoundException = clientError('CustomKeyStoreNotFoundException');
