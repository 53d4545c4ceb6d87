/**
 * What each KeySpec is (KMS-REFERENCE §5): the key usages it allows and, per usage, the algorithms
 * KeyMetadata lists and the operations accept. One table, used by CreateKey, DescribeKey and every
 * operation's key-usage and algorithm checks.
 */
import type { KeyUsage } from './types.js';

export type KeyFamily = 'symmetric' | 'hmac' | 'rsa' | 'ecc' | 'ed25519' | 'ml-dsa' | 'sm2';

export interface KeySpecInfo {
  family: KeyFamily;
  usages: KeyUsage[];
  /** RSA modulus bits, ECC curve (node:crypto name), HMAC key bytes, ML-DSA parameter set. */
  rsaBits?: number;
  curve?: string;
  hmacBytes?: number;
  mlDsa?: 'ml_dsa44' | 'ml_dsa65' | 'ml_dsa87';
  encryption?: string[];
  signing?: string[];
  keyAgreement?: string[];
  mac?: string[];
}

const rsaSigning = ['RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512', 'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512'];
const rsa = (rsaBits: number): KeySpecInfo => ({
  family: 'rsa',
  usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  rsaBits,
  encryption: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
  signing: rsaSigning,
});
const ecc = (curve: string, signing: string): KeySpecInfo => ({
  family: 'ecc',
  usages: ['SIGN_VERIFY', 'KEY_AGREEMENT'],
  curve,
  signing: [signing],
  keyAgreement: ['ECDH'],
});
const hmac = (bits: number): KeySpecInfo => ({ family: 'hmac', usages: ['GENERATE_VERIFY_MAC'], hmacBytes: bits / 8, mac: [`HMAC_SHA_${bits}`] });
const mlDsa = (mlDsaSet: KeySpecInfo['mlDsa']): KeySpecInfo => ({ family: 'ml-dsa', usages: ['SIGN_VERIFY'], mlDsa: mlDsaSet, signing: ['ML_DSA_SHAKE_256'] });

/** Null-prototype: a spec named `__proto__` or `constructor` (a seed file, a stored record) names nothing. */
export const keySpecs: Readonly<Record<string, KeySpecInfo>> = Object.assign(Object.create(null) as Record<string, KeySpecInfo>, {
  SYMMETRIC_DEFAULT: { family: 'symmetric', usages: ['ENCRYPT_DECRYPT'], encryption: ['SYMMETRIC_DEFAULT'] },
  HMAC_224: hmac(224),
  HMAC_256: hmac(256),
  HMAC_384: hmac(384),
  HMAC_512: hmac(512),
  RSA_2048: rsa(2048),
  RSA_3072: rsa(3072),
  RSA_4096: rsa(4096),
  ECC_NIST_P256: ecc('prime256v1', 'ECDSA_SHA_256'),
  ECC_NIST_P384: ecc('secp384r1', 'ECDSA_SHA_384'),
  ECC_NIST_P521: ecc('secp521r1', 'ECDSA_SHA_512'),
  ECC_SECG_P256K1: { family: 'ecc', usages: ['SIGN_VERIFY'], curve: 'secp256k1', signing: ['ECDSA_SHA_256'] },
  ECC_NIST_EDWARDS25519: { family: 'ed25519', usages: ['SIGN_VERIFY'], signing: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'] },
  ML_DSA_44: mlDsa('ml_dsa44'),
  ML_DSA_65: mlDsa('ml_dsa65'),
  ML_DSA_87: mlDsa('ml_dsa87'),
  // China Regions only.
  SM2: { family: 'sm2', usages: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY', 'KEY_AGREEMENT'] },
});

/** The algorithm lists KeyMetadata (and GetPublicKey) carry for a key of this spec and usage. */
export function algorithmLists(keySpec: string, keyUsage: KeyUsage) {
  const info = keySpecs[keySpec];
  return {
    EncryptionAlgorithms: keyUsage === 'ENCRYPT_DECRYPT' ? info?.encryption : undefined,
    SigningAlgorithms: keyUsage === 'SIGN_VERIFY' ? info?.signing : undefined,
    KeyAgreementAlgorithms: keyUsage === 'KEY_AGREEMENT' ? info?.keyAgreement : undefined,
    MacAlgorithms: keyUsage === 'GENERATE_VERIFY_MAC' ? info?.mac : undefined,
  };
}

export const isSymmetric = (keySpec: string) => keySpec === 'SYMMETRIC_DEFAULT';
