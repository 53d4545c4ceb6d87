/**
 * STS GetCallerIdentity on the KMS endpoint (AWS Query protocol): many tools (Terraform's AWS provider
 * first of all) ask who they are before anything else. A form body `Action=GetCallerIdentity&Version=
 * 2011-06-15`, signed for the service `sts` with the same service credentials as KMS calls; the answer
 * is STS's XML. Other actions, and authentication failures of requests in this protocol, get STS's XML
 * error shape and codes.
 */
import type { KmsError } from '../errors.js';
import { mediaType } from './request-headers.js';

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
export const STS_VERSION = '2011-06-15';

export interface StsResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Whether a request is in STS's Query protocol rather than AWS JSON: a form body and no X-Amz-Target. */
export function isQueryProtocol(contentType: string | undefined, target: string | undefined): boolean {
  return target === undefined && contentType !== undefined && mediaType(contentType) === 'application/x-www-form-urlencoded';
}

export interface Identity {
  account: string;
  arn: string;
  userId: string;
}

/** Answers an authenticated STS request. */
export function stsResponse(body: string, identity: Identity, requestId: string): StsResponse {
  const params = new URLSearchParams(body);
  const action = params.get('Action');
  const version = params.get('Version');
  if (action === null) return stsError(400, 'MissingAction', 'Missing Action', requestId);
  if (version !== STS_VERSION) {
    return stsError(400, 'InvalidAction', `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`, requestId);
  }
  if (action !== 'GetCallerIdentity') {
    return stsError(400, 'InvalidAction', `Could not find operation ${action} for version ${version}`, requestId);
  }
  const xml =
    `<GetCallerIdentityResponse xmlns="${NAMESPACE}">\n` +
    '  <GetCallerIdentityResult>\n' +
    `    <Arn>${escapeXml(identity.arn)}</Arn>\n` +
    `    <UserId>${escapeXml(identity.userId)}</UserId>\n` +
    `    <Account>${escapeXml(identity.account)}</Account>\n` +
    '  </GetCallerIdentityResult>\n' +
    '  <ResponseMetadata>\n' +
    `    <RequestId>${escapeXml(requestId)}</RequestId>\n` +
    '  </ResponseMetadata>\n' +
    '</GetCallerIdentityResponse>\n';
  return { statusCode: 200, headers: { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId }, body: xml };
}

/** STS's names for the authentication failures (HTTP 403, but 400 for an incomplete signature). */
const AUTH_CODES: Record<string, [number, string]> = {
  MissingAuthenticationTokenException: [403, 'MissingAuthenticationToken'],
  IncompleteSignatureException: [400, 'IncompleteSignature'],
  InvalidSignatureException: [403, 'SignatureDoesNotMatch'],
  UnrecognizedClientException: [403, 'InvalidClientTokenId'],
};

/** An authentication failure (or another protocol error) in STS's words. */
export function stsErrorOf(error: KmsError, requestId: string): StsResponse {
  const [status, code] = Object.hasOwn(AUTH_CODES, error.type) ? AUTH_CODES[error.type]! : [error.statusCode, error.type.replace(/Exception$/, '')];
  const message = error.type === 'MissingAuthenticationTokenException' ? 'Request is missing Authentication Token' : error.message;
  return stsError(status, code, message, requestId);
}

export function stsError(statusCode: number, code: string, message: string, requestId: string): StsResponse {
  const type = statusCode >= 500 ? 'Receiver' : 'Sender';
  const xml =
    `<ErrorResponse xmlns="${NAMESPACE}">\n` +
    '  <Error>\n' +
    `    <Type>${type}</Type>\n` +
    `    <Code>${escapeXml(code)}</Code>\n` +
    `    <Message>${escapeXml(message)}</Message>\n` +
    '  </Error>\n' +
    `  <RequestId>${escapeXml(requestId)}</RequestId>\n` +
    '</ErrorResponse>\n';
  return { statusCode, headers: { 'Content-Type': 'text/xml', 'x-amzn-RequestId': requestId }, body: xml };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}
