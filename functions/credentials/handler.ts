/**
 * The operator's management of service credentials in AWS (shared/credentials/manage.ts): no trigger,
 * invoked by hand in the stage's primary region, which alone writes credentials (the global table
 * carries them to every region):
 *
 *   aws lambda invoke --function-name kms-<stage>-credentials --region <primary> \
 *     --cli-binary-format raw-in-base64-out --payload '{"action":"create","principalArn":"arn:aws:iam::111122223333:user/alice","by":"bob"}' out.json
 *
 * actions: create (principalArn, vpcEndpointId?, description?), list, disable | enable | delete
 * (accessKeyId), rotate (accessKeyId, disableOld?). `by` names the operator in the audit record
 * (CloudTrail also records who invoked the function). The new secret is in the function's answer only:
 * it is never logged, and stored only sealed under the root key.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from '../../shared/config.js';
import { CredentialRequestError, performCredentialAction } from '../../shared/credentials/manage.js';
import { serviceName } from '../../shared/observability.js';
import { createServices } from '../../shared/services.js';

const config = loadConfig();
const logger = new Logger({ serviceName: `${serviceName}-credentials`, logLevel: config.logLevel as never });
const services = createServices(config);

export interface CredentialsEvent {
  action?: unknown;
  by?: unknown;
  principalArn?: unknown;
  vpcEndpointId?: unknown;
  description?: unknown;
  accessKeyId?: unknown;
  disableOld?: unknown;
}

const USAGE =
  'The payload needs "action" (create, list, disable, enable, delete, rotate) and "by" (who does it); create takes "principalArn" (and "vpcEndpointId", "description"), the others "accessKeyId" (rotate also "disableOld").';

export async function handler(event: CredentialsEvent) {
  const primary = config.regions[0];
  if (config.defaultRegion !== primary) {
    return { ok: false, message: `Credentials are written in the stage's primary region only (${primary}); invoke the function there. Every region reads them from the global table.` };
  }
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const by = text(event?.by);
  const action = text(event?.action);
  if (!by || !action) return { ok: false, message: USAGE };
  const accessKeyId = text(event.accessKeyId);
  try {
    const result = await performCredentialAction(services.credentialAdmin(), {
      action,
      by,
      principalArn: text(event.principalArn),
      vpcEndpointId: text(event.vpcEndpointId),
      description: text(event.description),
      accessKeyId,
      disableOld: event.disableOld === true,
    });
    // Names only: the answer may hold a new secret, which must not reach the logs.
    logger.info('credentials', { action, by, accessKeyId });
    return { ok: true, ...result };
  } catch (error) {
    if (error instanceof CredentialRequestError) return { ok: false, message: `${error.message}. ${USAGE}` };
    throw error;
  }
}
