/**
 * The steps Encrypt, Decrypt, ReEncrypt and GenerateDataKey* share: checking that a key can do the
 * operation, sealing under its current material, and opening a blob with exactly the material it names.
 */
import { recoveryKey, recoveryKeyNamed } from '../recovery/failed-regions.js';
import { authorize } from '../authz/authorize.js';
import { parseCiphertext, type ParsedCiphertext } from '../core/ciphertext.js';
import type { EncryptionContext } from '../core/encryption-context.js';
import { isKeyId } from '../core/ids.js';
import { openSymmetric, sealSymmetric } from '../core/symmetric.js';
import type { KeyRecord } from '../core/types.js';
import {
  AccessDeniedException,
  DryRunOperationException,
  IncorrectKeyException,
  InvalidCiphertextException,
  InvalidKeyUsageException,
  KMSInvalidStateException,
  UnsupportedOperationException,
  ValidationException,
} from '../errors.js';
import type { OperationContext } from '../context/operation-context.js';
import { requireKeyUsage } from './key-material.js';
import { checkUsableState, findKey } from './resolve-key.js';
import { readMaterialsAhead, storedMaterial } from './material-reads.js';
import { checkRsaRequest, messages as rsaMessages } from '../core/rsa-oaep.js';

export const SYMMETRIC_DEFAULT = 'SYMMETRIC_DEFAULT';

/**
 * The key must encrypt and decrypt, and the algorithm (if given) must be one it supports. Returns the
 * algorithm the operation uses: SYMMETRIC_DEFAULT for a symmetric key; for an RSA ENCRYPT_DECRYPT key the
 * RSAES_OAEP_* algorithm the request must name (it also refuses an encryption context, core/rsa-oaep).
 */
export function checkEncryptionKey(
  key: KeyRecord,
  operation: string,
  algorithm: string | undefined,
  context?: EncryptionContext,
  members?: { algorithm?: string; context?: string },
): string {
  requireKeyUsage(key, 'ENCRYPT_DECRYPT', operation);
  if (key.keySpec === SYMMETRIC_DEFAULT) {
    if (algorithm !== undefined && algorithm !== SYMMETRIC_DEFAULT) {
      throw new InvalidKeyUsageException(`Algorithm ${algorithm} is incompatible with key spec ${key.keySpec}.`);
    }
    return SYMMETRIC_DEFAULT;
  }
  return checkRsaRequest(key, algorithm, context, members);
}

/**
 * Operations that only a symmetric encryption key can do (GenerateDataKey*, and the key that encrypts a
 * data key pair): an RSA ENCRYPT_DECRYPT key is refused with InvalidKeyUsageException (wording ours,
 * unverified).
 */
export function checkSymmetricEncryptionKey(key: KeyRecord, operation: string): void {
  requireKeyUsage(key, 'ENCRYPT_DECRYPT', operation);
  if (key.keySpec !== SYMMETRIC_DEFAULT) {
    throw new InvalidKeyUsageException(`${key.arn} key spec is ${key.keySpec} which is not valid for ${operation}.`);
  }
}

/**
 * Recipient (Nitro Enclaves attestation, CiphertextForRecipient) needs an attestation verifier this
 * service does not have; refusing is safer than returning the plaintext the caller meant to keep out.
 */
export function refuseRecipient(input: { Recipient?: unknown }, operation: string): void {
  if (input.Recipient !== undefined) {
    throw new UnsupportedOperationException(
      `Recipient (attested ${operation} for AWS Nitro Enclaves) is not supported by this service.`,
    );
  }
}

export function dryRunSucceeded(): never {
  throw new DryRunOperationException('The request would have succeeded, but the DryRun option is set.');
}

/**
 * CiphertextBlob is optional in the model only so that a DryRun with DryRunModifiers IGNORE_CIPHERTEXT
 * can leave it out; every other request must carry it.
 */
export function requireCiphertext(input: { CiphertextBlob?: Buffer; DryRun?: boolean; DryRunModifiers?: string[] }): Buffer {
  if (input.CiphertextBlob) return input.CiphertextBlob;
  if (input.DryRun && input.DryRunModifiers?.includes('IGNORE_CIPHERTEXT')) dryRunSucceeded();
  throw new ValidationException(
    "1 validation error detected: Value null at 'ciphertextBlob' failed to satisfy constraint: Member must not be null",
  );
}

async function material(ctx: OperationContext, key: KeyRecord, keyMaterialId: string): Promise<Buffer | undefined> {
  const cached = ctx.vault.cached(key.keyId, keyMaterialId);
  if (cached) return cached;
  const wrapped = await storedMaterial(ctx, key.keyId, keyMaterialId);
  return wrapped && ctx.vault.unwrap(wrapped);
}

/** Seals plaintext under the key's current material. */
export async function seal(ctx: OperationContext, key: KeyRecord, plaintext: Buffer, context?: EncryptionContext) {
  const keyMaterialId = key.currentKeyMaterialId;
  const backing = keyMaterialId && (await material(ctx, key, keyMaterialId));
  if (!keyMaterialId || !backing) throw new KMSInvalidStateException(`${key.arn} is pending import.`);
  const blob = sealSymmetric({
    keyId: key.keyId,
    keyMaterialId,
    material: backing,
    plaintext,
    context,
    randomBytes: (n) => ctx.random.bytes(n),
  });
  return { blob, keyMaterialId };
}

export interface OpenRequest {
  blob: Buffer;
  context?: EncryptionContext;
  /** The KeyId (or SourceKeyId) the caller named, if any. */
  expectedKeyId?: string;
  algorithm?: string;
  operation: 'Decrypt' | 'ReEncrypt';
  grantTokens?: string[];
}

/**
 * Opens a blob: the key and material come from its header, never from trial decryption. Checks happen
 * in AWS's order: blob shape, the named key (IncorrectKeyException if it is another), key state, then
 * authentication of the ciphertext with the encryption context. A DryRun checks all of this too (only
 * DryRunModifiers IGNORE_CIPHERTEXT skips the ciphertext), so callers raise DryRun after open().
 */
export async function open(ctx: OperationContext, request: OpenRequest) {
  let parsed: ParsedCiphertext;
  try {
    parsed = parseCiphertext(request.blob);
    if (!isKeyId(parsed.keyId)) throw new InvalidCiphertextException();
  } catch (error) {
    // Raw RSA ciphertext has no header: if the caller named an asymmetric key, what is missing is the algorithm.
    if (request.expectedKeyId !== undefined) await refuseAsymmetricWithoutAlgorithm(ctx, request);
    throw error;
  }
  readMaterialsAhead(ctx, parsed.keyId);
  if (request.expectedKeyId !== undefined) {
    const expectedKeyId = request.expectedKeyId;
    // Only a key this region does not know may be a failed region's (recovery decrypts, off by default).
    const named = await findKey(ctx, expectedKeyId, { allowAlias: true }).catch(async (error: unknown) => {
      const recovered = await recoveryKeyNamed(ctx, expectedKeyId);
      if (!recovered) throw error;
      return recovered;
    });
    if (named.keyId !== parsed.keyId) {
      // Whatever the named key's usage or spec (recorded from AWS with an HMAC key named).
      throw new IncorrectKeyException('The key ID in the request does not identify a CMK that can perform this operation.');
    }
  }
  // A key this region lacks may be one of a region an operator declared failed (off by default).
  const key = (await ctx.store.getKey(parsed.keyId)) ?? (await recoveryKey(ctx, parsed.keyId));
  if (!key) {
    throw new AccessDeniedException(
      'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.',
    );
  }
  ctx.trail?.keys.push(key); // the audit record's resources (and Decrypt's keyId), also when authorization fails
  // The key may belong to another account (cross-account Decrypt): its policy or a grant decides.
  await authorize(ctx, key, request.operation === 'Decrypt' ? 'kms:Decrypt' : 'kms:ReEncryptFrom', {
    encryptionContext: request.context,
    encryptionAlgorithm: request.algorithm ?? SYMMETRIC_DEFAULT,
    grantTokens: request.grantTokens,
  });
  await checkUsableState(ctx, key, request.operation);
  checkEncryptionKey(key, request.operation, request.algorithm);
  const backing = await material(ctx, key, parsed.keyMaterialId);
  if (!backing) throw new InvalidCiphertextException();
  const plaintext = openSymmetric(parsed, backing, request.context);
  return { key, plaintext, keyMaterialId: parsed.keyMaterialId };
}

/** The blob did not parse; a named RSA key means the request lacks its EncryptionAlgorithm. */
async function refuseAsymmetricWithoutAlgorithm(ctx: OperationContext, request: OpenRequest): Promise<void> {
  let named: KeyRecord;
  try {
    named = await findKey(ctx, request.expectedKeyId!, { allowAlias: true });
  } catch {
    return; // the ciphertext error stands
  }
  requireKeyUsage(named, 'ENCRYPT_DECRYPT', request.operation);
  if (named.keySpec !== SYMMETRIC_DEFAULT) missingAlgorithm(named, request);
}

function missingAlgorithm(named: KeyRecord, request: OpenRequest): never {
  if (request.algorithm !== undefined) {
    throw new InvalidKeyUsageException(rsaMessages.incompatible(request.algorithm, named.keySpec));
  }
  const member = request.operation === 'Decrypt' ? 'EncryptionAlgorithm' : 'SourceEncryptionAlgorithm';
  throw new ValidationException(rsaMessages.algorithmRequired(named.arn, member));
}
