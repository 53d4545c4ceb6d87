/**
 * @noble's curves and ML-DSA, loaded when an asymmetric key is first used (keys/key-material.ts awaits
 * `loadNoble()` before parsing one). They are ~80 KB of the API bundle that only Sign, Verify,
 * GetPublicKey and DeriveSharedSecret of some key specs need: as a split chunk (serverless.yml,
 * `splitting`) they stay out of every cold start's compile. The code that uses them is synchronous,
 * so it reads them through `noble()`, which throws if nobody loaded them first.
 */
import { onFirstUse } from './on-first-use.js';

type Libraries = typeof import('./noble-libraries.js');
export interface Noble extends Pick<Libraries, 'ed25519' | 'p256' | 'p384' | 'p521' | 'secp256k1'> {
  mlDsa: Pick<Libraries, 'ml_dsa44' | 'ml_dsa65' | 'ml_dsa87'>;
}

let loaded: Noble | undefined;

/** Loads the libraries once; later calls return the same promise. A failed load is tried again next time. */
export const loadNoble: () => Promise<Noble> = onFirstUse(async () => {
  const { ed25519, p256, p384, p521, secp256k1, ml_dsa44, ml_dsa65, ml_dsa87 } = await import('./noble-libraries.js');
  return (loaded = { ed25519, p256, p384, p521, secp256k1, mlDsa: { ml_dsa44, ml_dsa65, ml_dsa87 } });
});

/** The loaded libraries; a programming error (not the caller's) if `loadNoble()` has not completed. */
export function noble(): Noble {
  if (!loaded) throw new Error('@noble is not loaded: await loadNoble() before using an asymmetric key');
  return loaded;
}
