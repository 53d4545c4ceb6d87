/** Who is calling (shared/protocol/caller.ts), in both auth modes, from API Gateway proxy events. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { CachedCredential } from '../../shared/credentials/credential-cache.js';
import { principalOf } from '../../shared/core/principals.js';
import { createCallerResolver } from '../../shared/protocol/caller.js';
import { KmsError } from '../../shared/errors.js';
import type { SigV4Verifier } from '../../shared/protocol/sigv4.js';

const event = (identity: Record<string, unknown>): APIGatewayProxyEvent =>
  ({ httpMethod: 'POST', path: '/', body: '{}', headers: {}, multiValueHeaders: {}, requestContext: { path: '/dev/', identity } }) as unknown as APIGatewayProxyEvent;

function credential(vpcEndpointId?: string): CachedCredential {
  const principal = principalOf('arn:aws:iam::111122223333:user/alice')!;
  return {
    accessKeyId: 'AKIAALICE',
    secretAccessKey: 's',
    active: true,
    signingKeys: new Map(),
    record: {
      ...principal,
      accessKeyId: 'AKIAALICE',
      sealedSecret: Buffer.alloc(0),
      ...(vpcEndpointId ? { vpcEndpointId } : {}),
      status: 'Active',
      origin: 'operator',
      createdAt: 0,
      updatedAt: 0,
      revision: 1,
    },
  };
}

const verifierOf = (result: Awaited<ReturnType<SigV4Verifier<CachedCredential>['verify']>>): SigV4Verifier<CachedCredential> => ({ verify: async () => result });

describe('createCallerResolver', () => {
  it('service mode: the caller is the verified credential\'s principal, the region the verified scope\'s', async () => {
    const used: string[] = [];
    const resolve = createCallerResolver({
      mode: 'service',
      verifier: verifierOf({ credential: credential(), region: 'eu-west-3', service: 'kms' }),
      defaultRegion: 'us-east-1',
      onVerified: (c) => used.push(c.accessKeyId),
    });
    // Whatever requestContext.identity claims is not believed in service mode.
    const result = await resolve(event({ accountId: '999999999999', userArn: 'arn:aws:iam::999999999999:root', sourceIp: '10.1.2.3', userAgent: 'cli' }));
    assert.ok(!(result instanceof KmsError));
    assert.equal(result.region, 'eu-west-3');
    assert.equal(result.caller.account, '111122223333');
    assert.equal(result.caller.principalArn, 'arn:aws:iam::111122223333:user/alice');
    assert.match(result.caller.userId!, /^AIDA/);
    assert.equal(result.caller.sourceIp, '10.1.2.3');
    assert.deepEqual(used, ['AKIAALICE']);
  });

  it('service mode: a credential bound to a VPC endpoint is refused through another one, and reports its own locally', async () => {
    const resolve = createCallerResolver({ mode: 'service', verifier: verifierOf({ credential: credential('vpce-0123456789abcdef0'), region: 'us-east-1', service: 'kms' }), defaultRegion: 'us-east-1' });
    const other = await resolve(event({ vpceId: 'vpce-0fedcba9876543210' }));
    assert.ok(other instanceof KmsError);
    assert.equal(other.type, 'UnrecognizedClientException');
    const same = await resolve(event({ vpceId: 'vpce-0123456789abcdef0' }));
    assert.ok(!(same instanceof KmsError));
    assert.equal(same.caller.vpceId, 'vpce-0123456789abcdef0');
    const local = await resolve(event({}));
    assert.ok(!(local instanceof KmsError));
    assert.equal(local.caller.vpceId, 'vpce-0123456789abcdef0');
  });

  it('service mode: the verifier\'s refusal is the answer', async () => {
    const refusal = new KmsError('InvalidSignatureException', 'no');
    const resolve = createCallerResolver({ mode: 'service', verifier: verifierOf(refusal), defaultRegion: 'us-east-1' });
    assert.equal(await resolve(event({})), refusal);
  });

  it('iam mode: the caller API Gateway\'s IAM authorizer reported, in the function\'s own region', async () => {
    const resolve = createCallerResolver({ mode: 'iam', verifier: verifierOf(new KmsError('X')), defaultRegion: 'us-west-2' });
    const result = await resolve(event({ accountId: '111122223333', userArn: 'arn:aws:iam::111122223333:user/bob', user: 'AIDAEXAMPLE', accessKey: 'ASIAX', vpceId: 'vpce-0123456789abcdef0' }));
    assert.ok(!(result instanceof KmsError));
    assert.equal(result.region, 'us-west-2');
    assert.equal(result.caller.principalArn, 'arn:aws:iam::111122223333:user/bob');
    assert.equal(result.caller.userId, 'AIDAEXAMPLE');
    assert.equal(result.caller.vpceId, 'vpce-0123456789abcdef0');
    const anonymous = await resolve(event({ accountId: null }));
    assert.ok(anonymous instanceof KmsError);
    assert.equal(anonymous.type, 'UnrecognizedClientException');
  });
});
