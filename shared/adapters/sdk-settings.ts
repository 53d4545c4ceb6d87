/**
 * The AWS SDK clients' settings, given here instead of looked up. A client left to find a setting
 * reads it on its first request from the environment (AWS_MAX_ATTEMPTS, AWS_USE_FIPS_ENDPOINT, ...),
 * then from the shared config files (~/.aws/config and credentials, read from disk), and builds an
 * Error with a stack for each place it is not found: about 1.5 ms of CPU in the DynamoDB client's first
 * request, and 0.5-1.6 ms of a cold start's first Encrypt (`npm run bench -- coldstart --against` the
 * package before). The function's environment is the deployment's own (serverless.yml), so nothing is
 * lost by not reading it.
 *
 * The values are those the SDK resolves when nothing is set (its defaults): answers, retries and
 * endpoints do not change. A deployment that needs FIPS or dual-stack endpoints sets them here.
 */
const common = {
  defaultsMode: 'legacy',
  retryMode: 'standard',
  useFipsEndpoint: false,
  useDualstackEndpoint: false,
  authSchemePreference: [] as string[],
  /** No application id in the user agent (AWS_SDK_UA_APP_ID, sdk_ua_app_id). */
  userAgentAppId: async (): Promise<string | undefined> => undefined,
} as const;

/**
 * DynamoDB's: 4 attempts, account-id endpoints where the credentials name the account, endpoint
 * discovery left off (its defaults).
 */
export const DYNAMODB_SETTINGS = {
  ...common,
  maxAttempts: 4,
  accountIdEndpointMode: 'preferred',
  endpointDiscoveryEnabledProvider: async (): Promise<boolean | undefined> => undefined,
} as const;

/**
 * The other clients' (CloudWatch Logs, EventBridge, SNS, Secrets Manager): 3 attempts. Their resolved
 * middleware is kept per command (`cacheMiddleware`), not built again for every send; the DynamoDB
 * document client cannot take that.
 */
export const SDK_SETTINGS = { ...common, maxAttempts: 3, cacheMiddleware: true } as const;
