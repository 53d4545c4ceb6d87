/**
 * The local credentials file: the access keys `npm start` seeds into the service's credential store
 * (shared/credentials) at start, so that the same SigV4 verifier as in AWS authenticates local callers.
 * More credentials can be issued with `npm run credentials -- create` (they live in the store only).
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
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ACCESS_KEY_ID, PRINCIPAL_ARN_FORMS, principalOf, VPC_ENDPOINT_ID, type PrincipalKind } from '../../shared/core/principals.js';

export type { PrincipalKind };

export const DEFAULT_CREDENTIALS_FILE = fileURLToPath(new URL('./default-credentials.json', import.meta.url));
export const CREDENTIALS_FILE_VARIABLE = 'KMS_CREDENTIALS_FILE';

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

  const principal = principalOf(principalArn);
  if (!principal) return fail(`"principalArn" must be ${PRINCIPAL_ARN_FORMS}; got "${principalArn}"`);
  if (principal.kind === 'assumed-role' && sessionToken === undefined) fail('an assumed-role session needs its "sessionToken"');
  const { accountId, kind, callerId } = principal;
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

function describeSource(source: string): string {
  return source === DEFAULT_CREDENTIALS_FILE ? `credentials file ${source} (the default)` : `credentials file ${source}`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
