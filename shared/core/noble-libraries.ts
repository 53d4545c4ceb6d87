/** What core/noble.ts loads on demand: the named imports only, so the bundler keeps only these. */
export { ed25519 } from '@noble/curves/ed25519.js';
export { p256, p384, p521 } from '@noble/curves/nist.js';
export { secp256k1 } from '@noble/curves/secp256k1.js';
export { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
