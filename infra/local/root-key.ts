/**
 * The local root key, which wraps every backing key. An explicit `KMS_ROOT_KEY` or `KMS_ROOT_KEY_FILE`
 * wins; otherwise one is generated into `<dataDir>/root-key` (0600, base64 of 32 random bytes) and
 * reused on every start, because the stored keys are useless without the root key that wrapped them.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const ROOT_KEY_BYTES = 32;

/** Env entries to hand to loadConfig: empty when the caller configured a root key themselves. */
export async function localRootKeyEnv(env: Record<string, string | undefined>, dataDir: string): Promise<Record<string, string>> {
  if (env.KMS_ROOT_KEY || env.KMS_ROOT_KEY_FILE || env.KMS_ROOT_KEY_SECRET_ARN) return {};
  return { KMS_ROOT_KEY_FILE: await ensureRootKeyFile(join(resolve(dataDir), 'root-key')) };
}

/** Creates the key file once; later calls (and concurrent starts) read and check the existing one. */
export async function ensureRootKeyFile(path: string): Promise<string> {
  await mkdir(resolve(path, '..'), { recursive: true });
  try {
    // 'wx' fails if the file exists, so two starts racing on one data dir never overwrite each other's key.
    const file = await open(path, 'wx', 0o600);
    try {
      await file.writeFile(randomBytes(ROOT_KEY_BYTES).toString('base64'));
      await file.sync();
    } finally {
      await file.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await chmod(path, 0o600); // the umask cannot widen it, but an older or copied file might be looser
  const text = (await readFile(path, 'utf8')).trim();
  if (Buffer.from(text, 'base64').length !== ROOT_KEY_BYTES) {
    throw new Error(`${path} does not hold the base64 text of ${ROOT_KEY_BYTES} bytes; refusing to replace it (keys wrapped under it would be lost)`);
  }
  return path;
}
