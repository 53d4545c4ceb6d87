/**
 * Where the root key comes from: an environment variable or a 0600 file locally, Secrets Manager in AWS
 * (ARCHITECTURE principle 3). Read once and kept in memory; never logged.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { RootKeySource } from '../config.js';
import type { RootKeyProvider } from '../core/environment.js';
import { onFirstUse } from '../core/on-first-use.js';
import { SDK_SETTINGS } from './sdk-settings.js';

export function rootKeyProvider(source: RootKeySource, region: string): RootKeyProvider {
  switch (source.kind) {
    case 'env':
      return fixed(decodeRootKey(source.value, 'KMS_ROOT_KEY'));
    case 'file':
      return fixed(decodeRootKey(readFileSync(source.path, 'utf8'), source.path));
    case 'secret':
      return fromSecretsManager(source.secretId, region);
  }
}

function fixed(key: Buffer): RootKeyProvider {
  const resolved = Promise.resolve(key);
  return { rootKeyId: fingerprint(key), rootKey: () => resolved };
}

/**
 * Fetched on first use (not at import) so a cold start that serves no request costs nothing; the
 * client's module too (a split chunk in the Lambda bundle), since locally the key never comes from here.
 */
function fromSecretsManager(secretId: string, region: string): RootKeyProvider {
  return {
    rootKeyId: secretId,
    // A failure is not kept: a later request tries again.
    rootKey: onFirstUse(async () => {
      const { SecretsManagerClient, GetSecretValueCommand } = await import('./lazy/secrets-manager.js');
      const secret = await new SecretsManagerClient({ ...SDK_SETTINGS, region }).send(new GetSecretValueCommand({ SecretId: secretId }));
      return decodeRootKey(secret.SecretString ?? '', secretId);
    }),
  };
}

/**
 * A root key is 32 bytes, written as base64 (local files, KMS_ROOT_KEY) or as 64 hex characters (the
 * Secrets Manager secret, which CloudFormation can only generate from a character set). The two cannot
 * be confused: 64 hex characters read as base64 give 48 bytes.
 */
export function decodeRootKey(text: string, origin: string): Buffer {
  const value = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== 32) throw new Error(`root key from ${origin} must be 32 bytes, as base64 or hex`);
  return key;
}

/** A non-secret id of a root key (first bytes of its SHA-256), stored beside wrapped material. */
function fingerprint(key: Buffer): string {
  return `local:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}
