/**
 * The one place that reads the environment (conventions §12). Everything else takes a Config.
 * Read once at module scope by each entry point, validated, failing fast with a clear message.
 */
import { REGION_NAME, regionNames } from './regions.js';

export type RootKeySource =
  | { kind: 'env'; value: string }
  | { kind: 'file'; path: string }
  | { kind: 'secret'; secretId: string };

export interface Config {
  /** DynamoDB table holding every item (per-region table locally, a global table in AWS). */
  tableName: string;
  /** DynamoDB endpoint override (DynamoDB Local); undefined in AWS. */
  dynamodbEndpoint?: string;
  /** Region used when a request carries no SigV4 credential scope (and for the AWS clients). */
  defaultRegion: string;
  rootKey: RootKeySource;
  /** How long key metadata may be served from memory before a re-read (ms). */
  cacheTtlMs: number;
  /** Powertools log level for the API function. */
  logLevel: string;
  /** Local runtime only: events, audit records and notifications are written to files here. */
  dataDir?: string;
  /** AWS: the EventBridge bus events are put on (default bus when unset). */
  eventBusName?: string;
  /** Source of the events; AWS's own `aws.kms` cannot be sent with PutEvents, so deployments set another. */
  eventSource: string;
  /** AWS: the log group audit records go to. */
  auditLogGroup?: string;
  /** AWS: the SNS topic alarm and warning notifications go to. */
  alarmTopicArn?: string;
  /**
   * The regions of the global table (KMS_REGIONS, comma-separated): where multi-region keys can be
   * replicated, and what replicates locally. Default us-east-1 and us-west-2.
   */
  regions: string[];
  /**
   * Whether region names outside AWS's `aws` partition are served (KMS_ALLOW_ANY_REGION, default false):
   * by default a request signed for, a replica in, or a KMS_REGIONS entry naming another region is refused.
   */
  allowAnyRegion: boolean;
  /** Whether an operator may declare a region failed and have its keys decrypt elsewhere (KMS_RECOVERY_DECRYPT). */
  recoveryDecrypt: boolean;
  /**
   * Who authenticates callers (KMS_AUTH_MODE). `service` (default): the API function verifies SigV4
   * scoped to `kms` or `sts` against the service's own credentials. `iam`: API Gateway's IAM authorizer
   * did (SigV4 scoped to `execute-api`) and the function takes the caller from requestContext.identity.
   */
  authMode: 'service' | 'iam';
  /** How long a verified credential is trusted from memory (KMS_CREDENTIAL_CACHE_TTL_MS, default 10 s): the delay of a revocation. */
  credentialCacheTtlMs: number;
  /** GetKeyLastUsage: each instance writes a key's last use at most this often (KMS_KEY_USAGE_INTERVAL_MS, 60 s). */
  keyUsageIntervalMs: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const rootKey = rootKeySource(env);
  const cacheTtlMs = intSetting(env, 'KMS_CACHE_TTL_MS', 5000);
  const allowAnyRegion = booleanSetting(env, 'KMS_ALLOW_ANY_REGION');
  const served = regionNames(allowAnyRegion);
  const defaultRegion = defaultRegionOf(env);
  if (!served(defaultRegion)) throw new ConfigError(unknownRegion('AWS_REGION', defaultRegion));
  return {
    tableName: env.KMS_TABLE_NAME || 'kms',
    dynamodbEndpoint: env.KMS_DYNAMODB_ENDPOINT || undefined,
    defaultRegion,
    rootKey,
    cacheTtlMs,
    logLevel: env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL || 'WARN',
    dataDir: env.KMS_DATA_DIR || undefined,
    eventBusName: env.KMS_EVENT_BUS_NAME || undefined,
    eventSource: env.KMS_EVENT_SOURCE || 'aws.kms',
    auditLogGroup: env.KMS_AUDIT_LOG_GROUP || undefined,
    alarmTopicArn: env.KMS_ALARM_TOPIC_ARN || undefined,
    regions: regionList(env.KMS_REGIONS, served),
    allowAnyRegion,
    recoveryDecrypt: booleanSetting(env, 'KMS_RECOVERY_DECRYPT'),
    authMode: authModeSetting(env.KMS_AUTH_MODE),
    credentialCacheTtlMs: intSetting(env, 'KMS_CREDENTIAL_CACHE_TTL_MS', 10_000),
    keyUsageIntervalMs: intSetting(env, 'KMS_KEY_USAGE_INTERVAL_MS', 60_000),
  };
}

export const DEFAULT_REGIONS = ['us-east-1', 'us-west-2'];

/** The region of requests that name none, and of the local runtime's own work (AWS_REGION). */
export const defaultRegionOf = (env: Record<string, string | undefined>): string => env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1';

function regionList(raw: string | undefined, served: (region: string) => boolean): string[] {
  if (raw === undefined || raw.trim() === '') return [...DEFAULT_REGIONS];
  const regions = [...new Set(raw.split(',').map((r) => r.trim()).filter((r) => r !== ''))];
  const bad = regions.find((region) => !served(region));
  if (bad !== undefined) throw new ConfigError(unknownRegion('KMS_REGIONS', bad));
  return regions;
}

const unknownRegion = (setting: string, region: string) =>
  REGION_NAME.test(region)
    ? `${setting}: '${region}' is not a region of AWS's aws partition (set KMS_ALLOW_ANY_REGION=true to serve any region name)`
    : `${setting}: '${region}' is not a region name`;

function authModeSetting(raw: string | undefined): Config['authMode'] {
  const mode = (raw ?? '').trim() || 'service';
  if (mode !== 'service' && mode !== 'iam') throw new ConfigError(`KMS_AUTH_MODE must be service or iam, got '${mode}'`);
  return mode;
}

function booleanSetting(env: Record<string, string | undefined>, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new ConfigError(`${name} must be true or false`);
}

function rootKeySource(env: Record<string, string | undefined>): RootKeySource {
  if (env.KMS_ROOT_KEY_SECRET_ARN) return { kind: 'secret', secretId: env.KMS_ROOT_KEY_SECRET_ARN };
  // The key itself is decoded and checked when the provider is built, at start-up (fail fast).
  if (env.KMS_ROOT_KEY) return { kind: 'env', value: env.KMS_ROOT_KEY };
  if (env.KMS_ROOT_KEY_FILE) return { kind: 'file', path: env.KMS_ROOT_KEY_FILE };
  throw new ConfigError('No root key: set KMS_ROOT_KEY, KMS_ROOT_KEY_FILE or KMS_ROOT_KEY_SECRET_ARN');
}

function intSetting(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ConfigError(`${name} must be a non-negative integer`);
  return value;
}
