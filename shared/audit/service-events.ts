/**
 * CloudTrail records of what the service does by itself (KMS-REFERENCE §11): eventType AwsServiceEvent,
 * userIdentity {accountId, invokedBy "AWS Internal"}, e.g. RotateKey, DeleteKey, DeleteExpiredKeyMaterial.
 * Pure; the id is deterministic so a job re-run rewrites the same record.
 */
import type { KeyRecord } from '../core/types.js';
import { deterministicId } from '../events/kms-events.js';
import type { AuditRecord } from '../core/sinks.js';

export function serviceEventRecord(
  eventName: string,
  key: KeyRecord,
  time: Date,
  details: { serviceEventDetails?: Record<string, unknown>; responseElements?: Record<string, unknown> | null; idParts: (string | number)[] },
): AuditRecord {
  return {
    eventVersion: '1.08',
    userIdentity: { accountId: key.account, invokedBy: 'AWS Internal' },
    eventTime: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'kms.amazonaws.com',
    eventName,
    awsRegion: key.region,
    sourceIPAddress: 'AWS Internal',
    userAgent: 'AWS Internal',
    requestParameters: null,
    responseElements: details.responseElements ?? null,
    eventID: deterministicId('audit', eventName, ...details.idParts),
    readOnly: false,
    resources: [{ accountId: key.account, type: 'AWS::KMS::Key', ARN: key.arn }],
    eventType: 'AwsServiceEvent',
    managementEvent: true,
    recipientAccountId: key.account,
    serviceEventDetails: details.serviceEventDetails,
    eventCategory: 'Management',
  };
}

/**
 * A CloudTrail-style record of an operator's action outside the KMS API (declaring a region failed,
 * managing service credentials): eventType AwsServiceEvent, the operator as userIdentity.
 */
export function operatorRecord(
  eventName: string,
  region: string,
  operator: string,
  time: Date,
  details: { eventID: string; requestParameters?: Record<string, unknown> | null; serviceEventDetails?: Record<string, unknown> },
): AuditRecord {
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'Operator', principalId: operator, invokedBy: 'KMS operator' },
    eventTime: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: 'kms.amazonaws.com',
    eventName,
    awsRegion: region,
    sourceIPAddress: 'KMS operator',
    userAgent: 'KMS operator',
    requestParameters: details.requestParameters ?? null,
    responseElements: null,
    eventID: details.eventID,
    readOnly: false,
    eventType: 'AwsServiceEvent',
    managementEvent: true,
    ...(details.serviceEventDetails ? { serviceEventDetails: details.serviceEventDetails } : {}),
    eventCategory: 'Management',
  };
}
