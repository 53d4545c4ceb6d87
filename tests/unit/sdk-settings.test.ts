/**
 * The SDK clients' settings given in shared/adapters/sdk-settings.ts are the SDK's own defaults: a client
 * given them resolves every one to what a client left to look them up resolves with nothing set (no
 * AWS_* variable, no shared config file). Fails when an SDK update changes a default.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DYNAMODB_SETTINGS, SDK_SETTINGS } from '../../shared/adapters/sdk-settings.js';

/** Where the SDK would find these settings: the environment and the shared config files. */
const LOOKED_UP = [
  'AWS_MAX_ATTEMPTS', 'AWS_RETRY_MODE', 'AWS_DEFAULTS_MODE', 'AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT',
  'AWS_ACCOUNT_ID_ENDPOINT_MODE', 'AWS_AUTH_SCHEME_PREFERENCE', 'AWS_SDK_UA_APP_ID', 'AWS_ENDPOINT_DISCOVERY_ENABLED',
  'AWS_ENABLE_ENDPOINT_DISCOVERY', 'AWS_PROFILE',
];
const saved = new Map<string, string | undefined>();
before(() => {
  for (const name of [...LOOKED_UP, 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE']) saved.set(name, process.env[name]);
  for (const name of LOOKED_UP) delete process.env[name];
  process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/aws-credentials';
});
after(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** A client's resolved value of each setting (providers called). */
async function resolved(config: object, names: string[]): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const value = (config as Record<string, unknown>)[name];
    out[name] = typeof value === 'function' ? await (value as () => unknown)() : value;
  }
  return out;
}

/** The settings a client resolves: those given, under the names its resolved config holds them. */
const namesOf = (settings: object) =>
  Object.keys(settings).filter((name) => name !== 'cacheMiddleware').map((name) => name.replace(/Provider$/, ''));

test('the DynamoDB client given the settings resolves each to the default it would look up', async () => {
  const names = namesOf(DYNAMODB_SETTINGS);
  assert.ok(names.includes('maxAttempts') && names.includes('endpointDiscoveryEnabled'));
  const given = await resolved(new DynamoDBClient({ ...DYNAMODB_SETTINGS, region: 'us-east-1' }).config, names);
  const defaults = await resolved(new DynamoDBClient({ region: 'us-east-1' }).config, names);
  assert.deepEqual(given, defaults);
  assert.equal(given.maxAttempts, 4);
});

test('the other clients given the settings resolve each to the default they would look up', async () => {
  const names = namesOf(SDK_SETTINGS);
  const given = await resolved(new CloudWatchLogsClient({ ...SDK_SETTINGS, region: 'us-east-1' }).config, names);
  const defaults = await resolved(new CloudWatchLogsClient({ region: 'us-east-1' }).config, names);
  assert.deepEqual(given, defaults);
  assert.equal(given.retryMode, 'standard');
});
