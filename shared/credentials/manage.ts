/**
 * The operator's management of service credentials: create, list, disable, enable, delete, rotate, and
 * seeding from the local credentials file. Behind `npm run credentials` (the local admin route) and the
 * operator-only `credentials` Lambda function.
 *
 * A new secret is returned once, to the operator, and otherwise exists only sealed under the root key;
 * a session token only as its hash. Every change is one transaction with its audit record (outbox),
 * conditional on the revision it read, and the record is delivered at once (or by the next job run).
 */
import { randomUUID } from 'node:crypto';
import { operatorRecord } from '../audit/service-events.js';
import {
  CREDENTIAL_SECRET_PURPOSE,
  credentialSecretAad,
  credentialSummary,
  type CredentialRecord,
  type CredentialStatus,
} from '../core/credentials.js';
import type { MaterialVault } from '../core/material-vault.js';
import { ACCESS_KEY_ID, newAccessKeyId, PRINCIPAL_ARN_FORMS, principalOf, sessionTokenHash, VPC_ENDPOINT_ID } from '../core/principals.js';
import type { JobStore } from '../store/job-store.js';
import { deliverNow, outboxAudit } from '../store/outbox.js';
import { retryOnConflict } from '../keys/conflict-retry.js';
import { type CredentialStore } from '../store/ports.js';
import { type Sinks } from '../core/sinks.js';
import type { Clock, Random } from '../core/environment.js';

export interface CredentialAdminContext {
  /** The region whose table is written (and whose outbox carries the audit records). */
  region: string;
  credentials: CredentialStore;
  jobStore: JobStore;
  sinks: Sinks;
  vault: MaterialVault;
  random: Random;
  clock: Clock;
  /** The global table's regions, whose last-use records `list` merges. */
  regions: readonly string[];
  /** Called after every change, so this process's verifier (and its peers') sees it at once. */
  changed?: (accessKeyId: string) => void | Promise<void>;
}

/** A request the operator got wrong (unknown id, bad ARN): said as it is, never a stack trace. */
export class CredentialRequestError extends Error {
  override name = 'CredentialRequestError';
}

export interface NewCredential {
  accessKeyId: string;
  /** Shown once: it is stored only sealed. */
  secretAccessKey: string;
  /** For an assumed-role session: the token its requests carry as X-Amz-Security-Token. Shown once. */
  sessionToken?: string;
  principalArn: string;
  accountId: string;
  vpcEndpointId?: string;
}

export interface CreateRequest {
  principalArn: string;
  vpcEndpointId?: string;
  description?: string;
  /** Who does it (the audit record's operator). */
  by: string;
}

export async function createCredential(ctx: CredentialAdminContext, request: CreateRequest): Promise<NewCredential> {
  const principal = principalOf(request.principalArn);
  if (!principal) throw new CredentialRequestError(`--principal must be ${PRINCIPAL_ARN_FORMS}; got "${request.principalArn}"`);
  if (request.vpcEndpointId !== undefined && !VPC_ENDPOINT_ID.test(request.vpcEndpointId)) {
    throw new CredentialRequestError(`--vpce must look like vpce-0123456789abcdef0 (vpce- and 8 or 17 hex digits), got "${request.vpcEndpointId}"`);
  }
  if (request.description !== undefined && request.description.length > 256) throw new CredentialRequestError('--description: at most 256 characters');
  const temporary = principal.kind === 'assumed-role';
  const accessKeyId = newAccessKeyId(ctx.random.bytes(16), temporary);
  // 40 characters like IAM's secrets (30 random bytes in base64), and a session token for role sessions.
  const secretAccessKey = ctx.random.bytes(30).toString('base64');
  const sessionToken = temporary ? ctx.random.bytes(96).toString('base64') : undefined;
  const now = ctx.clock.now().getTime();
  const record: CredentialRecord = {
    ...principal,
    accessKeyId,
    sealedSecret: await seal(ctx.vault, accessKeyId, secretAccessKey),
    ...(sessionToken !== undefined ? { sessionTokenHash: sessionTokenHash(sessionToken) } : {}),
    ...(request.vpcEndpointId !== undefined ? { vpcEndpointId: request.vpcEndpointId } : {}),
    ...(request.description !== undefined ? { description: request.description } : {}),
    status: 'Active',
    origin: 'operator',
    createdAt: now,
    updatedAt: now,
    revision: 1,
  };
  await write(ctx, record, 'CreateAccessKey', request.by);
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken !== undefined ? { sessionToken } : {}),
    principalArn: record.principalArn,
    accountId: record.accountId,
    ...(record.vpcEndpointId !== undefined ? { vpcEndpointId: record.vpcEndpointId } : {}),
  };
}

/** Every credential, without secrets, with its last use over the global table's regions. */
export async function listCredentials(ctx: CredentialAdminContext) {
  const [records, uses] = await Promise.all([ctx.credentials.listCredentials(), ctx.credentials.lastUses(ctx.regions)]);
  return records.map((record) => credentialSummary(record, uses.get(record.accessKeyId)));
}

/** Disables (Inactive: refused like an unknown key) or enables a credential; a no-op when it already is. */
export async function setCredentialStatus(ctx: CredentialAdminContext, accessKeyId: string, status: CredentialStatus, by: string) {
  return change(ctx, accessKeyId, async (current) => {
    if (current.status === status) return current;
    const next = { ...current, status, updatedAt: ctx.clock.now().getTime(), revision: current.revision + 1 };
    await write(ctx, next, 'UpdateAccessKey', by);
    return next;
  }).then((record) => credentialSummary(record));
}

export async function deleteCredential(ctx: CredentialAdminContext, accessKeyId: string, by: string) {
  return change(ctx, accessKeyId, async (current) => {
    const record = auditRecord(ctx, 'DeleteAccessKey', current, by);
    await ctx.credentials.deleteCredential(current, [record]);
    await delivered(ctx, record, current.accessKeyId);
    return current;
  }).then((record) => ({ accessKeyId: record.accessKeyId, deleted: true }));
}

/**
 * A new access key for the same principal (and VPC endpoint); the old one stays usable until disabled,
 * at once with `disableOld`, so clients can switch over first.
 */
export async function rotateCredential(ctx: CredentialAdminContext, accessKeyId: string, options: { disableOld?: boolean; by: string }) {
  const current = await ctx.credentials.getCredential(accessKeyId, { consistent: true });
  if (!current) throw notFound(accessKeyId);
  const created = await createCredential(ctx, {
    principalArn: current.principalArn,
    vpcEndpointId: current.vpcEndpointId,
    description: current.description,
    by: options.by,
  });
  const old = options.disableOld ? await setCredentialStatus(ctx, accessKeyId, 'Inactive', options.by) : credentialSummary(current);
  return { created, previous: old };
}

/** An entry of the local credentials file. */
export interface SeedEntry {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  principalArn: string;
  vpcEndpointId?: string;
}

/**
 * Makes the store hold the file's entries: new ones are created; one seeded earlier whose secret,
 * principal, token or endpoint changed in the file is updated (its status is the operator's and stays);
 * an id the operator created is left alone. Returns what it did per id.
 */
export async function seedCredentials(ctx: CredentialAdminContext, entries: readonly SeedEntry[], source: string) {
  const outcomes: Record<string, 'created' | 'updated' | 'unchanged' | 'kept (created by an operator)'> = {};
  for (const entry of entries) {
    if (!ACCESS_KEY_ID.test(entry.accessKeyId)) throw new CredentialRequestError(`${source}: access key id "${entry.accessKeyId}" is not valid`);
    const principal = principalOf(entry.principalArn);
    if (!principal) throw new CredentialRequestError(`${source}: "${entry.principalArn}" is not a principal ARN`);
    outcomes[entry.accessKeyId] = await retrying(async () => {
      const current = await ctx.credentials.getCredential(entry.accessKeyId, { consistent: true });
      if (current && current.origin !== 'file') return 'kept (created by an operator)';
      const tokenHash = entry.sessionToken === undefined ? undefined : sessionTokenHash(entry.sessionToken);
      if (current) {
        const secret = await ctx.vault.openBlob(CREDENTIAL_SECRET_PURPOSE, credentialSecretAad(current.accessKeyId), current.sealedSecret);
        const same =
          secret?.toString('utf8') === entry.secretAccessKey &&
          current.principalArn === entry.principalArn &&
          current.sessionTokenHash === tokenHash &&
          current.vpcEndpointId === entry.vpcEndpointId;
        if (same) return 'unchanged';
      }
      const now = ctx.clock.now().getTime();
      const record: CredentialRecord = {
        ...principal,
        accessKeyId: entry.accessKeyId,
        sealedSecret: await seal(ctx.vault, entry.accessKeyId, entry.secretAccessKey),
        ...(tokenHash !== undefined ? { sessionTokenHash: tokenHash } : {}),
        ...(entry.vpcEndpointId !== undefined ? { vpcEndpointId: entry.vpcEndpointId } : {}),
        status: current?.status ?? 'Active',
        origin: 'file',
        description: `from ${source}`,
        createdAt: current?.createdAt ?? now,
        updatedAt: now,
        revision: (current?.revision ?? 0) + 1,
      };
      await write(ctx, record, current ? 'UpdateAccessKey' : 'CreateAccessKey', `credentials file ${source}`);
      return current ? 'updated' : 'created';
    });
  }
  return outcomes;
}

/** An operator's request, as the `credentials` function's payload or the local admin route carry it. */
export interface CredentialAction {
  action: string;
  by: string;
  principalArn?: string;
  vpcEndpointId?: string;
  description?: string;
  accessKeyId?: string;
  disableOld?: boolean;
}

export const CREDENTIAL_ACTIONS = ['create', 'list', 'disable', 'enable', 'delete', 'rotate'] as const;

/** Carries out one action; CredentialRequestError for a request that names no valid action or lacks what it needs. */
export async function performCredentialAction(ctx: CredentialAdminContext, request: CredentialAction): Promise<object> {
  const { action, by, accessKeyId } = request;
  if (action === 'list') return { credentials: await listCredentials(ctx) };
  if (action === 'create') {
    if (!request.principalArn) throw new CredentialRequestError('create needs the principal ARN');
    return createCredential(ctx, { principalArn: request.principalArn, vpcEndpointId: request.vpcEndpointId, description: request.description, by });
  }
  if (!(CREDENTIAL_ACTIONS as readonly string[]).includes(action)) throw new CredentialRequestError(`No action '${action}' (${CREDENTIAL_ACTIONS.join(', ')})`);
  if (!accessKeyId) throw new CredentialRequestError(`${action} needs the access key id`);
  if (action === 'disable' || action === 'enable') return setCredentialStatus(ctx, accessKeyId, action === 'disable' ? 'Inactive' : 'Active', by);
  if (action === 'delete') return deleteCredential(ctx, accessKeyId, by);
  return rotateCredential(ctx, accessKeyId, { disableOld: request.disableOld === true, by });
}

// ---------------------------------------------------------------------------------------------------

async function seal(vault: MaterialVault, accessKeyId: string, secret: string): Promise<Buffer> {
  return vault.sealBlob(CREDENTIAL_SECRET_PURPOSE, credentialSecretAad(accessKeyId), Buffer.from(secret, 'utf8'));
}

/** Writes a credential with its audit record, then delivers the record. */
async function write(ctx: CredentialAdminContext, record: CredentialRecord, eventName: string, by: string): Promise<void> {
  const audit = auditRecord(ctx, eventName, record, by);
  await ctx.credentials.putCredential(record, [audit]);
  await delivered(ctx, audit, record.accessKeyId);
}

async function delivered(ctx: CredentialAdminContext, audit: ReturnType<typeof outboxAudit>, accessKeyId: string): Promise<void> {
  await ctx.changed?.(accessKeyId);
  await deliverNow(ctx.jobStore, ctx.sinks, [audit]).catch(() => {}); // the outbox keeps it otherwise
}

/** The change's audit record: who, which key and principal, never the secret or the token. */
function auditRecord(ctx: CredentialAdminContext, eventName: string, record: CredentialRecord, by: string) {
  return outboxAudit(
    operatorRecord(eventName, ctx.region, by, ctx.clock.now(), {
      eventID: randomUUID(),
      requestParameters: {
        accessKeyId: record.accessKeyId,
        principalArn: record.principalArn,
        ...(eventName === 'DeleteAccessKey' ? {} : { status: record.status }),
        ...(record.vpcEndpointId !== undefined ? { vpcEndpointId: record.vpcEndpointId } : {}),
      },
    }),
  );
}

/** Read-modify-write of one credential, again on a lost race. */
async function change(ctx: CredentialAdminContext, accessKeyId: string, apply: (current: CredentialRecord) => Promise<CredentialRecord>) {
  return retrying(async () => {
    const current = await ctx.credentials.getCredential(accessKeyId, { consistent: true });
    if (!current) throw notFound(accessKeyId);
    return apply(current);
  });
}

const retrying = <T>(attempt: () => Promise<T>) => retryOnConflict(attempt);

const notFound = (accessKeyId: string) => new CredentialRequestError(`No credential with access key id ${accessKeyId}`);
