/**
 * The principals a service credential can stand for, read from their ARNs (pure): the account root, an
 * IAM user or an assumed-role session. The principal's account is the one in the ARN, and the ids that
 * API Gateway reports as `identity.caller` (and STS GetCallerIdentity as `UserId`) are derived from the
 * ARN, so they are stable across restarts and regions: the account id for a root, `AIDA…` for a user,
 * `AROA…:<session>` for a role session (IAM makes those up; here they are a hash of the ARN).
 */
import { createHash } from 'node:crypto';

export type PrincipalKind = 'root' | 'user' | 'assumed-role';

export interface Principal {
  readonly principalArn: string;
  /** The 12-digit account of principalArn. */
  readonly accountId: string;
  readonly kind: PrincipalKind;
  /** What API Gateway reports as `identity.caller` / `identity.user` and STS as `UserId`. */
  readonly callerId: string;
}

const NAME = '[\\w+=,.@-]{1,64}';
const ROOT_ARN = /^arn:aws:iam::(\d{12}):root$/;
const USER_ARN = new RegExp(`^arn:aws:iam::(\\d{12}):user/((?:[\\x21-\\x7e]+/)*)(${NAME})$`);
const ASSUMED_ROLE_ARN = new RegExp(`^arn:aws:sts::(\\d{12}):assumed-role/(${NAME})/([\\w+=,.@-]{2,64})$`);

export const PRINCIPAL_ARN_FORMS =
  'arn:aws:iam::<12-digit account>:root, arn:aws:iam::<account>:user/<path/>name or arn:aws:sts::<account>:assumed-role/<role>/<session>';

/** The principal of an ARN, or undefined when it is none of the three forms. */
export function principalOf(principalArn: string): Principal | undefined {
  let match: RegExpExecArray | null;
  if ((match = ROOT_ARN.exec(principalArn))) {
    return { principalArn, accountId: match[1]!, kind: 'root', callerId: match[1]! };
  }
  if ((match = USER_ARN.exec(principalArn))) {
    return { principalArn, accountId: match[1]!, kind: 'user', callerId: uniqueId('AIDA', principalArn) };
  }
  if ((match = ASSUMED_ROLE_ARN.exec(principalArn))) {
    const accountId = match[1]!;
    const callerId = `${uniqueId('AROA', `arn:aws:iam::${accountId}:role/${match[2]}`)}:${match[3]}`;
    return { principalArn, accountId, kind: 'assumed-role', callerId };
  }
  return undefined;
}

/** AWS's AccessKeyId pattern (`[\w]+`), without its 16-character minimum so `test` stays usable. */
export const ACCESS_KEY_ID = /^\w{1,128}$/;
export const VPC_ENDPOINT_ID = /^vpce-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** IAM-style unique id: a 4-letter prefix and 17 upper-case base32 characters, here derived from `seed`. */
function uniqueId(prefix: string, seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let id = prefix;
  for (let i = 0; i < 17; i++) id += BASE32[digest[i]! & 31];
  return id;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A new access key id in AWS's shape: `AKIA` (long-term) or `ASIA` (with a session token) and 16
 * base32 characters from `random` (20 characters, like IAM's).
 */
export function newAccessKeyId(random: Buffer, temporary: boolean): string {
  let id = temporary ? 'ASIA' : 'AKIA';
  for (let i = 0; i < 16; i++) id += BASE32[random[i]! & 31];
  return id;
}

/** The stored form of a session token: its SHA-256 (the token itself is a secret the caller keeps). */
export function sessionTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
