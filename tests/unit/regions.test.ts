/**
 * Which region names are served (shared/regions.ts): the `aws` partition's regions from the AWS SDK's
 * list, or any well-formed name with KMS_ALLOW_ANY_REGION; configuration naming others fails at start.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../shared/config.js';
import { isAwsRegion, regionNames } from '../../shared/regions.js';

test('AWS regions of the aws partition are known, the newest included; made-up names and other partitions are not', () => {
  for (const region of ['us-east-1', 'us-west-2', 'eu-central-2', 'ap-southeast-7', 'mx-central-1', 'ca-west-1', 'il-central-1']) {
    assert.equal(isAwsRegion(region), true, region);
  }
  // Well-formed but not AWS's; other partitions (ARNs here are arn:aws:...); pseudo-regions; wrong spelling.
  for (const region of ['xx-fake-1', 'us-east-9', 'eu-south-3', 'cn-north-1', 'us-gov-west-1', 'us-iso-east-1', 'aws-global', 'US-EAST-1', 'us-east-1 ', '']) {
    assert.equal(isAwsRegion(region), false, JSON.stringify(region));
  }
});

test('KMS_ALLOW_ANY_REGION serves any well-formed name, still not a malformed one', () => {
  const any = regionNames(true);
  assert.equal(any('xx-fake-1'), true);
  assert.equal(any('us-east-1'), true);
  assert.equal(any('moon'), false);
  assert.equal(any('us_east_1'), false);
  assert.equal(regionNames(false)('xx-fake-1'), false);
});

test('KMS_REGIONS and AWS_REGION must be AWS regions unless KMS_ALLOW_ANY_REGION=true, saying which and how to allow it', () => {
  const base = { KMS_ROOT_KEY: '00'.repeat(32) };
  assert.equal(loadConfig(base).allowAnyRegion, false);
  assert.throws(() => loadConfig({ ...base, KMS_REGIONS: 'us-east-1,xx-fake-1' }), {
    message: "KMS_REGIONS: 'xx-fake-1' is not a region of AWS's aws partition (set KMS_ALLOW_ANY_REGION=true to serve any region name)",
  });
  assert.throws(() => loadConfig({ ...base, AWS_REGION: 'xx-fake-1' }), { message: /^AWS_REGION: 'xx-fake-1' is not a region of AWS's aws partition/ });
  assert.throws(() => loadConfig({ ...base, KMS_REGIONS: 'moon' }), { message: "KMS_REGIONS: 'moon' is not a region name" });
  assert.throws(() => loadConfig({ ...base, KMS_ALLOW_ANY_REGION: 'perhaps' }), ConfigError);
  const any = loadConfig({ ...base, KMS_ALLOW_ANY_REGION: 'true', KMS_REGIONS: 'us-east-1,xx-fake-1', AWS_REGION: 'xx-fake-2' });
  assert.deepEqual(any.regions, ['us-east-1', 'xx-fake-1']);
  assert.equal(any.defaultRegion, 'xx-fake-2');
  assert.throws(() => loadConfig({ ...base, KMS_ALLOW_ANY_REGION: 'true', KMS_REGIONS: 'moon' }), ConfigError);
});
