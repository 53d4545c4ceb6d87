/**
 * The local emulator's stand-in for IAM: a credentials file mapping access key ids to principals, so the
 * API Gateway emulator can verify SigV4 the way API Gateway's IAM authorizer does in AWS and report who
 * is calling.
 *
 * The file (named by KMS_CREDENTIALS_FILE; default `infra/local/default-credentials.json`, in which
 * `test`/`test` is the root of account 111122223333) is a JSON list of
 *
 *   { "accessKeyId": "...", "secretAccessKey": "...", "principalArn": "...",
 *     "sessionToken": "..." (optional; required for an assumed-role session),
 *     "vpcEndpointId": "vpce-..." (optional) }
 *
 * principalArn is one of
 *   arn:aws:iam::<account>:root                          the account root
 *   arn:aws:iam::<account>:user/<path/>name              an IAM user
 *   arn:aws:sts::<account>:assumed-role/<role>/<session> a role session (has a sessionToken)
 * and the principal's account is the one in the ARN. A request signed with an entry that has a
 * sessionToken must carry it in X-Amz-Security-Token. A request signed with an entry that has a
 * vpcEndpointId is presented to the handler as arriving through that VPC endpoint
 * (`requestContext.identity.vpceId`, what API Gateway reports for a private API), so `aws:SourceVpce`
 * conditions can be tried locally.
 *
 * The file is read and checked once, at start; a bad entry stops the start with a message naming it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_CREDENTIALS_FILE = fileURLToPath(new URL('./default-credentials.json', import.meta.url));
export const CREDENTIALS_FILE_VARIABLE = 'KMS_CREDENTIALS_FILE';

export type PrincipalKind = 'root' | 'user' | 'assumed-role';

export interface LocalPrincipal {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Present for temporary credentials (always for an assumed-role session). */
  readonly sessionToken?: string;
  readonly principalArn: string;
  /** The 12-digit account of principalArn. */
  readonly accountId: string;
  readonly kind: PrincipalKind;
  /**
   * What API Gateway reports as `identity.caller` / `identity.user`: the account id for a root, the
   * principal's unique id otherwise (`AIDA…` for a user, `AROA…:<session>` for a role session). IAM
   * makes those ids up; here they are derived from the ARN, so they are stable across restarts.
   */
  readonly callerId: string;
  /** Requests made with this key are presented as arriving through this VPC endpoint. */
  readonly vpcEndpointId?: string;
}

export interface CredentialStore {
  /** Where the entries came from (a file path), for messages. */
  readonly source: string;
  readonly principals: readonly LocalPrincipal[];
  get(accessKeyId: string): LocalPrincipal | undefined;
}

export class CredentialsFileError extends Error {
  override name = 'CredentialsFileError';
}

/** The file to use: KMS_CREDENTIALS_FILE (relative paths from the working directory) or the default. */
export function credentialsFilePath(env: Record<string, string | undefined> = process.env): string {
  const named = env[CREDENTIALS_FILE_VARIABLE];
  return named ? resolve(named) : DEFAULT_CREDENTIALS_FILE;
}

/** Reads and checks a credentials file (synchronously: once, at start). */
export function loadCredentialsFile(path: string = DEFAULT_CREDENTIALS_FILE): CredentialStore {
  const source = resolve(path);
  let text: string;
  try {
    text = readFileSync(source, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CredentialsFileError(`${describeSource(source)}: cannot read it (${code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CredentialsFileError(`${describeSource(source)}: not valid JSON (${(error as Error).message})`);
  }
  return parseCredentials(json, source);
}

/** The credential store of `KMS_CREDENTIALS_FILE`, or of the default file. */
export function loadCredentials(env: Record<string, string | undefined> = process.env): CredentialStore {
  return loadCredentialsFile(credentialsFilePath(env));
}

const FIELDS = new Set(['accessKeyId', 'secretAccessKey', 'sessionToken', 'principalArn', 'vpcEndpointId']);
/** AWS's AccessKeyId pattern (`[\w]+`), without its 16-character minimum so `test` stays usable. */
const ACCESS_KEY_ID = /^\w{1,128}$/;
const NAME = "[\\w+=,.@-]{1,64}";
const ROOT_ARN = /^arn:aws:iam::(\d{12}):root$/;
const USER_ARN = new RegExp(`^arn:aws:iam::(\\d{12}):user/((?:[\\x21-\\x7e]+/)*)(${NAME})$`);
const ASSUMED_ROLE_ARN = new RegExp(`^arn:aws:sts::(\\d{12}):assumed-role/(${NAME})/([\\w+=,.@-]{2,64})$`);
const VPC_ENDPOINT_ID = /^vpce-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const ARN_FORMS =
  'arn:aws:iam::<12-digit account>:root, arn:aws:iam::<account>:user/<path/>name or arn:aws:sts::<account>:assumed-role/<role>/<session>';

/** Checks parsed JSON as a credentials list; `source` only names it in error messages. */
export function parseCredentials(json: unknown, source = 'credentials'): CredentialStore {
  const where = describeSource(source);
  if (!Array.isArray(json)) throw new CredentialsFileError(`${where}: expected a JSON list of credential entries, got ${kindOf(json)}`);
  if (json.length === 0) throw new CredentialsFileError(`${where}: the list is empty, so no request could be authenticated`);
  const byKey = new Map<string, LocalPrincipal>();
  const entryOf = new Map<string, number>();
  const principals: LocalPrincipal[] = [];
  json.forEach((entry: unknown, index) => {
    const principal = parseEntry(entry, index, where);
    const previous = entryOf.get(principal.accessKeyId);
    if (previous !== undefined) {
      throw new CredentialsFileError(
        `${where}: entry ${index + 1} (accessKeyId "${principal.accessKeyId}"): the same accessKeyId as entry ${previous + 1}`,
      );
    }
    entryOf.set(principal.accessKeyId, index);
    byKey.set(principal.accessKeyId, principal);
    principals.push(principal);
  });
  return { source, principals, get: (accessKeyId) => byKey.get(accessKeyId) };
}

function parseEntry(entry: unknown, index: number, where: string): LocalPrincipal {
  const label = (e: Record<string, unknown>) =>
    `${where}: entry ${index + 1}${typeof e.accessKeyId === 'string' ? ` (accessKeyId "${e.accessKeyId}")` : ''}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new CredentialsFileError(`${where}: entry ${index + 1}: expected an object, got ${kindOf(entry)}`);
  }
  const e = entry as Record<string, unknown>;
  const fail = (problem: string): never => {
    throw new CredentialsFileError(`${label(e)}: ${problem}`);
  };
  const unknown = Object.keys(e).filter((name) => !FIELDS.has(name));
  if (unknown.length > 0) fail(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} (allowed: ${[...FIELDS].join(', ')})`);

  const text = (name: string, required: boolean): string | undefined => {
    const value = e[name];
    if (value === undefined) return required ? fail(`"${name}" is missing`) : undefined;
    if (typeof value !== 'string' || value === '') fail(`"${name}" must be a non-empty string`);
    return value as string;
  };
  const accessKeyId = text('accessKeyId', true)!;
  if (!ACCESS_KEY_ID.test(accessKeyId)) fail('"accessKeyId" must be 1 to 128 letters, digits or underscores');
  const secretAccessKey = text('secretAccessKey', true)!;
  const sessionToken = text('sessionToken', false);
  const principalArn = text('principalArn', true)!;
  const vpcEndpointId = text('vpcEndpointId', false);
  if (vpcEndpointId !== undefined && !VPC_ENDPOINT_ID.test(vpcEndpointId)) {
    fail(`"vpcEndpointId" must look like vpce-0123456789abcdef0 (vpce- and 8 or 17 hex digits), got "${vpcEndpointId}"`);
  }

  let match: RegExpExecArray | null;
  let kind: PrincipalKind;
  let accountId: string;
  let callerId: string;
  if ((match = ROOT_ARN.exec(principalArn))) {
    kind = 'root';
    accountId = match[1]!;
    callerId = accountId;
  } else if ((match = USER_ARN.exec(principalArn))) {
    kind = 'user';
    accountId = match[1]!;
    callerId = uniqueId('AIDA', principalArn);
  } else if ((match = ASSUMED_ROLE_ARN.exec(principalArn))) {
    kind = 'assumed-role';
    accountId = match[1]!;
    callerId = `${uniqueId('AROA', `arn:aws:iam::${accountId}:role/${match[2]}`)}:${match[3]}`;
    if (sessionToken === undefined) fail('an assumed-role session needs its "sessionToken"');
  } else {
    return fail(`"principalArn" must be ${ARN_FORMS}; got "${principalArn}"`);
  }
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken !== undefined ? { sessionToken } : {}),
    principalArn,
    accountId,
    kind,
    callerId,
    ...(vpcEndpointId !== undefined ? { vpcEndpointId } : {}),
  };
}

/** IAM-style unique id: a 4-letter prefix and 17 upper-case base32 characters, here derived from `seed`. */
function uniqueId(prefix: string, seed: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(seed).digest();
  let id = prefix;
  for (let i = 0; i < 17; i++) id += alphabet[digest[i]! & 31];
  return id;
}

function describeSource(source: string): string {
  return source === DEFAULT_CREDENTIALS_FILE ? `credentials file ${source} (the default)` : `credentials file ${source}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
