/**
 * Service credentials: access keys that this service issues and verifies itself (SigV4 scoped to `kms`
 * or `sts`), in AWS and locally alike. The secret is stored only sealed under the root key
 * (MaterialVault.sealBlob, bound to the access key id); a session token only as its SHA-256.
 */
import type { Principal } from './principals.js';

export type CredentialStatus = 'Active' | 'Inactive';

export interface CredentialRecord extends Principal {
  readonly accessKeyId: string;
  /** The secret access key, sealed (AES-256-GCM) under a key derived from the root key. */
  readonly sealedSecret: Buffer;
  /** SHA-256 (hex) of the session token the requests must carry (always for an assumed-role session). */
  readonly sessionTokenHash?: string;
  /** Requests made with this key count as arriving through this VPC endpoint (and, behind a private API, must). */
  readonly vpcEndpointId?: string;
  readonly status: CredentialStatus;
  /** 'file': seeded from the local credentials file; 'operator': created with the credentials command. */
  readonly origin: 'file' | 'operator';
  readonly description?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Bumped by every change; writes are conditional on it. */
  readonly revision: number;
}

/** The purpose sealed secrets are bound to (MaterialVault.sealBlob), with the access key id as AAD. */
export const CREDENTIAL_SECRET_PURPOSE = 'credential-secret';
export const credentialSecretAad = (accessKeyId: string): Buffer => Buffer.from(`credential:${accessKeyId}`, 'utf8');

/** A credential as an operator sees it: everything but the secret and the token hash. */
export function credentialSummary(record: CredentialRecord, lastUsedAt?: number) {
  return {
    accessKeyId: record.accessKeyId,
    principalArn: record.principalArn,
    accountId: record.accountId,
    status: record.status,
    origin: record.origin,
    sessionToken: record.sessionTokenHash !== undefined,
    ...(record.vpcEndpointId !== undefined ? { vpcEndpointId: record.vpcEndpointId } : {}),
    ...(record.description !== undefined ? { description: record.description } : {}),
    createdAt: new Date(record.createdAt).toISOString(),
    updatedAt: new Date(record.updatedAt).toISOString(),
    lastUsedAt: lastUsedAt === undefined ? null : new Date(lastUsedAt).toISOString(),
  };
}

/** What the SigV4 verifier (shared/protocol/sigv4.ts) needs of a credential; the credential cache makes these. */
export interface VerifiableCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** SHA-256 (hex) of the session token requests must carry, if any. */
  readonly sessionTokenHash?: string;
  readonly active: boolean;
  /** Signing keys of this secret by `day/region/service`, derived once (kept with the credential, so a new secret starts afresh). */
  readonly signingKeys: Map<string, Uint8Array>;
}

