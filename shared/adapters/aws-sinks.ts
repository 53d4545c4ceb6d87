/**
 * The sinks in AWS: events to EventBridge, notifications to SNS, audit records to a dedicated
 * CloudWatch Logs group (KMS_AUDIT_LOG_GROUP; the IAM role needs logs:PutLogEvents on it, and
 * logs:CreateLogStream for its one stream's first write). Clients are created once per Lambda instance.
 */
import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  type InputLogEvent,
} from '@aws-sdk/client-cloudwatch-logs';
import type { Config } from '../config.js';
import { onFirstUse } from '../core/on-first-use.js';
import { auditLine } from '../audit/api-record.js';
import { SDK_SETTINGS } from './sdk-settings.js';
import type { AuditRecord, AuditSink, EventSink, KmsEvent, Notification, Notifier, Sinks } from '../core/sinks.js';

const PUT_EVENTS_BATCH = 10;

// The EventBridge and SNS clients are loaded and made on first use: most invocations (every Encrypt)
// send neither, and their modules (split chunks in the Lambda bundle) would cost every cold start
// their compile otherwise.
export class EventBridgeSink implements EventSink {
  constructor(
    private readonly region: string,
    private readonly busName?: string,
  ) {}

  private readonly client = onFirstUse(async () => {
    const { EventBridgeClient, PutEventsCommand } = await import('./lazy/eventbridge.js');
    return { client: new EventBridgeClient({ ...SDK_SETTINGS, region: this.region }), PutEventsCommand };
  });

  async publish(events: KmsEvent[]): Promise<void> {
    if (events.length === 0) return;
    const { client, PutEventsCommand } = await this.client();
    for (let i = 0; i < events.length; i += PUT_EVENTS_BATCH) {
      const batch = events.slice(i, i + PUT_EVENTS_BATCH);
      const out = await client.send(
        new PutEventsCommand({
          Entries: batch.map((event) => ({
            EventBusName: this.busName,
            Source: event.source,
            DetailType: event['detail-type'],
            Resources: event.resources,
            Time: new Date(event.time),
            Detail: JSON.stringify(event.detail),
          })),
        }),
      );
      // A failed entry must not be taken for delivered: the outbox entry stays for the next run.
      if ((out.FailedEntryCount ?? 0) > 0) {
        throw new Error(`EventBridge refused ${out.FailedEntryCount} event(s): ${out.Entries?.find((e) => e.ErrorCode)?.ErrorMessage ?? ''}`);
      }
    }
  }
}

export class SnsNotifier implements Notifier {
  constructor(
    private readonly region: string,
    private readonly topicArn: string,
  ) {}

  private readonly client = onFirstUse(async () => {
    const { SNSClient, PublishCommand } = await import('./lazy/sns.js');
    return { client: new SNSClient({ ...SDK_SETTINGS, region: this.region }), PublishCommand };
  });

  async notify(notifications: Notification[]): Promise<void> {
    if (notifications.length === 0) return;
    const { client, PublishCommand } = await this.client();
    for (const notification of notifications) {
      await client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          // SNS subjects: ASCII, at most 100 characters.
          Subject: notification.subject.replace(/[^\x20-\x7e]/g, '?').slice(0, 100),
          Message: JSON.stringify(notification, null, 2),
        }),
      );
    }
  }
}

/** Without a dedicated log group: one JSON line per record on stdout (the function's own log group). */
export class StdoutAuditSink implements AuditSink {
  async write(records: AuditRecord[]): Promise<void> {
    for (const record of records) process.stdout.write(JSON.stringify({ auditRecord: record }) + '\n');
  }
}

/** PutLogEvents limits: 10,000 events and 1,048,576 bytes per call, each event counted with 26 bytes extra. */
const MAX_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD = 26;
/** One event may hold 256 KiB (minus the overhead); audit records are far smaller. */
const MAX_EVENT_BYTES = 262_144 - EVENT_OVERHEAD;

/** The one log stream of the audit log group that every instance (API and jobs) puts its records in. */
export const AUDIT_LOG_STREAM = 'audit';

/**
 * CloudTrail-format records in a dedicated CloudWatch Logs group (retention and an archive subscription
 * are the deployment's), all in one log stream, as CloudTrail delivers a region's events to one stream
 * of a log group. CloudWatch Logs takes PutLogEvents in parallel on one stream (no sequence tokens, no
 * per-stream rate), while CreateLogStream is limited to 50 calls a second per account and Region: a
 * stream per Lambda instance would cost every cold start a call and throttle a fast scale-out. The
 * stream is made when a put finds it missing (the first write of a new deployment, or after someone
 * deleted it); writes that find it missing at once share one CreateLogStream. Events are sorted by time
 * (PutLogEvents requires it) and sent in batches within the API's limits.
 */
export class CloudWatchLogsAuditSink implements AuditSink {
  private readonly client: CloudWatchLogsClient;
  /** The stream being made, shared by the writes that found it missing. */
  private creating: Promise<void> | undefined;

  constructor(
    region: string,
    private readonly logGroupName: string,
    client?: CloudWatchLogsClient,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.client = client ?? new CloudWatchLogsClient({ ...SDK_SETTINGS, region });
  }

  async write(records: AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const events: InputLogEvent[] = [];
    for (const record of records) {
      let message = auditLine(record);
      if (Buffer.byteLength(message) > MAX_EVENT_BYTES) {
        // Never cut a record in the middle of a JSON value: keep its identifying fields only.
        message = JSON.stringify({ eventID: record.eventID, eventTime: record.eventTime, eventName: record.eventName, truncated: true });
      }
      events.push({ timestamp: Date.parse(record.eventTime) || this.now().getTime(), message });
    }
    events.sort((a, b) => a.timestamp! - b.timestamp!);
    let batch: InputLogEvent[] = [];
    let bytes = 0;
    for (const event of events) {
      const size = Buffer.byteLength(event.message!) + EVENT_OVERHEAD;
      if (batch.length === MAX_EVENTS || bytes + size > MAX_BATCH_BYTES) {
        await this.put(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(event);
      bytes += size;
    }
    if (batch.length > 0) await this.put(batch);
  }

  private async put(logEvents: InputLogEvent[]): Promise<void> {
    const put = () => this.client.send(new PutLogEventsCommand({ logGroupName: this.logGroupName, logStreamName: AUDIT_LOG_STREAM, logEvents }));
    let out;
    try {
      out = await put();
    } catch (error) {
      // The stream is missing (a new deployment, or deleted): make it and put once more.
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await this.createStream();
      out = await put();
    }
    const rejected = out.rejectedLogEventsInfo;
    if (rejected && (rejected.tooOldLogEventEndIndex !== undefined || rejected.tooNewLogEventStartIndex !== undefined || rejected.expiredLogEventEndIndex !== undefined)) {
      throw new Error(`CloudWatch Logs rejected audit records (${JSON.stringify(rejected)})`);
    }
  }

  private createStream(): Promise<void> {
    this.creating ??= this.client
      .send(new CreateLogStreamCommand({ logGroupName: this.logGroupName, logStreamName: AUDIT_LOG_STREAM }))
      .then(
        () => {},
        (error: unknown) => {
          // Another instance made it meanwhile: as good as made here.
          if (!(error instanceof ResourceAlreadyExistsException)) throw error;
        },
      )
      .finally(() => {
        this.creating = undefined;
      });
    return this.creating;
  }
}

/** Discards notifications when no topic is configured (logged by the job's report instead). */
const noNotifier: Notifier = { notify: async () => {} };

export function awsSinks(config: Config): Sinks {
  return {
    events: new EventBridgeSink(config.defaultRegion, config.eventBusName),
    audit: config.auditLogGroup ? new CloudWatchLogsAuditSink(config.defaultRegion, config.auditLogGroup) : new StdoutAuditSink(),
    notifier: config.alarmTopicArn ? new SnsNotifier(config.defaultRegion, config.alarmTopicArn) : noNotifier,
  };
}
