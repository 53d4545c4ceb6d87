/** A stored key record for unit tests of pure modules: an enabled symmetric key unless overridden. */
import { keyArn } from '../../shared/core/ids.js';
import type { KeyRecord } from '../../shared/core/types.js';

export const TEST_KEY_ID = '1234abcd-12ab-44cd-96ef-1234567890ab';

export function testKey(overrides: Partial<KeyRecord> = {}): KeyRecord {
  const region = overrides.region ?? 'us-east-1';
  const account = overrides.account ?? '111122223333';
  return {
    keyId: TEST_KEY_ID,
    account,
    region,
    arn: keyArn(region, account, overrides.keyId ?? TEST_KEY_ID),
    creationDate: 0,
    description: '',
    keyUsage: 'ENCRYPT_DECRYPT',
    keySpec: 'SYMMETRIC_DEFAULT',
    origin: 'AWS_KMS',
    keyManager: 'CUSTOMER',
    keyState: 'Enabled',
    multiRegion: false,
    tags: {},
    policy: '',
    revision: 1,
    ...overrides,
  };
}
