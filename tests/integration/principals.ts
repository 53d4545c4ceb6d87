/**
 * The principals of tests/fixtures/credentials.json (the credentials file `npm test` starts the service
 * with, through KMS_CREDENTIALS_FILE), and SDK clients signed as each of them.
 *
 *   root   test/test, the root of 111122223333 (what helpers.ts's kms() uses)
 *   alice  IAM user arn:aws:iam::111122223333:user/alice
 *   bob    IAM user arn:aws:iam::111122223333:user/engineering/bob
 *   app    a session of role app in 111122223333 (temporary credentials: has a session token)
 *   carol  the root of 444455556666
 *   dave   IAM user arn:aws:iam::444455556666:user/dave
 *   erin   IAM user arn:aws:iam::111122223333:user/erin, whose requests arrive through VPC endpoint
 *          vpce-0123456789abcdef0 (for aws:SourceVpce conditions)
 *
 * tests/unit/credentials.test.ts checks that this table and the fixture file agree.
 */
import { KMS } from '@aws-sdk/client-kms';
import { signHeaders } from '../support/sign.js';

export const ACCOUNT_A = '111122223333';
export const ACCOUNT_B = '444455556666';
export const VPC_ENDPOINT_ID = 'vpce-0123456789abcdef0';

export interface TestPrincipal {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  arn: string;
  account: string;
  vpcEndpointId?: string;
}

export const PRINCIPALS = {
  root: { accessKeyId: 'test', secretAccessKey: 'test', arn: `arn:aws:iam::${ACCOUNT_A}:root`, account: ACCOUNT_A },
  alice: {
    accessKeyId: 'AKIAALICE0000000LOCAL',
    secretAccessKey: 'alice-secret-not-a-real-one',
    arn: `arn:aws:iam::${ACCOUNT_A}:user/alice`,
    account: ACCOUNT_A,
  },
  bob: {
    accessKeyId: 'AKIABOB00000000LOCAL',
    secretAccessKey: 'bob-secret-not-a-real-one',
    arn: `arn:aws:iam::${ACCOUNT_A}:user/engineering/bob`,
    account: ACCOUNT_A,
  },
  app: {
    accessKeyId: 'ASIAAPPSESSIONLOCAL',
    secretAccessKey: 'app-session-secret-not-a-real-one',
    sessionToken: 'app-session-token-not-a-real-one',
    arn: `arn:aws:sts::${ACCOUNT_A}:assumed-role/app/app-session`,
    account: ACCOUNT_A,
  },
  carol: {
    accessKeyId: 'AKIACAROL000000LOCAL',
    secretAccessKey: 'carol-secret-not-a-real-one',
    arn: `arn:aws:iam::${ACCOUNT_B}:root`,
    account: ACCOUNT_B,
  },
  dave: {
    accessKeyId: 'AKIADAVE0000000LOCAL',
    secretAccessKey: 'dave-secret-not-a-real-one',
    arn: `arn:aws:iam::${ACCOUNT_B}:user/dave`,
    account: ACCOUNT_B,
  },
  erin: {
    accessKeyId: 'AKIAERIN0000000LOCAL',
    secretAccessKey: 'erin-secret-not-a-real-one',
    arn: `arn:aws:iam::${ACCOUNT_A}:user/erin`,
    account: ACCOUNT_A,
    vpcEndpointId: VPC_ENDPOINT_ID,
  },
} as const satisfies Record<string, TestPrincipal>;

export type PrincipalName = keyof typeof PRINCIPALS;

/** The SDK credentials of a principal (with its session token when it has one). */
export function credentialsOf(name: PrincipalName): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } {
  const p: TestPrincipal = PRINCIPALS[name];
  return { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey, ...(p.sessionToken ? { sessionToken: p.sessionToken } : {}) };
}

function endpoint(): string {
  const value = process.env.KMS_ENDPOINT;
  if (!value) throw new Error('KMS_ENDPOINT is not set: start the local service and export KMS_ENDPOINT=http://host:port');
  return value;
}

const clients = new Map<string, KMS>();

/** A KMS client (aggregated class) signing as `name`, for the service at KMS_ENDPOINT; no retries. */
export function clientFor(name: PrincipalName, region = 'us-east-1'): KMS {
  const cacheKey = `${name}/${region}`;
  let client = clients.get(cacheKey);
  if (!client) {
    client = new KMS({ endpoint: endpoint(), region, credentials: credentialsOf(name), maxAttempts: 1 });
    clients.set(cacheKey, client);
  }
  return client;
}

export interface SignedCallOptions {
  region?: string;
  /** Sign as of this instant (e.g. ten minutes ago for a stale request). */
  signingDate?: Date;
  /** Credentials to sign with instead of the principal's own (a wrong secret, an unknown key id, no token...). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Headers added before signing. */
  headers?: Record<string, string>;
  /** Change the signed request before it is sent (headers or body), to send something the signature does not cover. */
  tamper?: (request: { headers: Record<string, string>; body: string }) => void;
}

export interface SignedCallResult {
  status: number;
  text: string;
  json: Record<string, unknown> | undefined;
}

/**
 * One AWS JSON 1.1 call signed with @smithy/signature-v4 as `name` (what the SDK does), sent with fetch,
 * for requests the SDK would not send: signed at another time, with other credentials, changed after signing.
 */
export async function signedCall(name: PrincipalName, operation: string, input: unknown, options: SignedCallOptions = {}): Promise<SignedCallResult> {
  const url = new URL(endpoint());
  const body = JSON.stringify(input);
  const signed = await signHeaders({
    endpoint: endpoint(),
    body,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `TrentService.${operation}`, ...options.headers },
    region: options.region,
    credentials: options.credentials ?? credentialsOf(name),
    signingDate: options.signingDate,
  });
  const request = { headers: { ...signed.headers }, body };
  options.tamper?.(request);
  delete request.headers.host; // fetch sets Host itself
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json };
}
