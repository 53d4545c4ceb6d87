/**
 * Who is calling, and in which region, from an API Gateway REST proxy event: in `service` auth mode
 * (the default) by verifying the request's SigV4 signature (shared/protocol/sigv4.ts) against the
 * service's own credentials; in `iam` mode from what API Gateway's IAM authorizer put in
 * `requestContext.identity`. The region and the caller come only from what was verified.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { CachedCredential } from '../credentials/credential-cache.js';
import type { Caller } from '../core/caller.js';
import { signedRequestOf } from './signed-request.js';
import { INVALID_TOKEN, type SigV4Verifier } from './sigv4.js';
import { KmsError, UnrecognizedClientException } from '../errors.js';

export interface Authenticated {
  caller: Caller;
  region: string;
  /** The signing name the request was verified for: `kms`, or `sts` for GetCallerIdentity. */
  service: string;
}

export interface CallerResolverOptions {
  mode: 'service' | 'iam';
  verifier: SigV4Verifier<CachedCredential>;
  /** The function's own region: where an IAM-mode request runs (its signature is scoped to execute-api). */
  defaultRegion: string;
  /** Told of every verified use of a credential (its last-use record). */
  onVerified?: (credential: CachedCredential) => void;
}

export function createCallerResolver(options: CallerResolverOptions): (event: APIGatewayProxyEvent) => Promise<Authenticated | KmsError> {
  if (options.mode === 'iam') {
    return async (event) => {
      const caller = iamCaller(event);
      return caller ? { caller, region: options.defaultRegion, service: 'kms' } : new UnrecognizedClientException(INVALID_TOKEN);
    };
  }
  return async (event) => {
    const verified = await options.verifier.verify(signedRequestOf(event));
    if (verified instanceof KmsError) return verified;
    const { record } = verified.credential;
    const identity = event.requestContext?.identity;
    // Behind a private API, API Gateway reports the VPC endpoint the request came through: a credential
    // bound to an endpoint is refused through any other. Locally (no endpoint) the credential's applies.
    const reported = identity?.vpceId ?? undefined;
    if (reported !== undefined && record.vpcEndpointId !== undefined && reported !== record.vpcEndpointId) {
      return new UnrecognizedClientException(INVALID_TOKEN);
    }
    options.onVerified?.(verified.credential);
    return {
      region: verified.region,
      service: verified.service,
      caller: {
        account: record.accountId,
        principalArn: record.principalArn,
        userId: record.callerId,
        accessKeyId: record.accessKeyId,
        sourceIp: identity?.sourceIp ?? undefined,
        vpceId: reported ?? record.vpcEndpointId,
        userAgent: identity?.userAgent ?? undefined,
      },
    };
  };
}

/** The caller as API Gateway's IAM authorizer reports it. */
function iamCaller(event: APIGatewayProxyEvent): Caller | undefined {
  const identity = event.requestContext?.identity;
  if (!identity?.accountId) return undefined;
  return {
    account: identity.accountId,
    principalArn: identity.userArn ?? `arn:aws:iam::${identity.accountId}:root`,
    userId: identity.user ?? identity.caller ?? identity.accountId,
    accessKeyId: identity.accessKey ?? undefined,
    sourceIp: identity.sourceIp,
    vpceId: identity.vpceId ?? undefined,
    userAgent: identity.userAgent ?? undefined,
  };
}
