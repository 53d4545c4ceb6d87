/**
 * The sinks in AWS: events to EventBridge, notifications to SNS, audit records to a dedicated
 * CloudWatch Logs group (KMS_AUDIT_LOG_GROUP; the IAM role needs logs:CreateLogStream and
 * logs:PutLogEvents on it). Clients are created once per Lambda instance.
 */
import { randomUUID } from 'node:crypto';
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
    return { client: new EventBridgeClient({ region: this.region }), PutEventsCommand };
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
    return { client: new SNSClient({ region: this.region }), PublishCommand };
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

/**
 * CloudTrail-format records in a dedicated CloudWatch Logs group (retention and an archive subscription
 * are the deployment's): one log stream per Lambda instance, created on the first write, named like
 * Lambda's own streams (`YYYY/MM/DD/audit/<uuid>`). Events are sorted by time (PutLogEvents requires it)
 * and sent in batches within the API's limits. A stream deleted meanwhile is created again once.
 */
export class CloudWatchLogsAuditSink implements AuditSink {
  private readonly client: CloudWatchLogsClient;
  private stream: Promise<string> | undefined;

  constructor(
    region: string,
    private readonly logGroupName: string,
    client?: CloudWatchLogsClient,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.client = client ?? new CloudWatchLogsClient({ region });
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
    for (let attempt = 1; ; attempt++) {
      const logStreamName = await this.logStream();
      try {
        const out = await this.client.send(new PutLogEventsCommand({ logGroupName: this.logGroupName, logStreamName, logEvents }));
        const rejected = out.rejectedLogEventsInfo;
        if (rejected && (rejected.tooOldLogEventEndIndex !== undefined || rejected.tooNewLogEventStartIndex !== undefined || rejected.expiredLogEventEndIndex !== undefined)) {
          throw new Error(`CloudWatch Logs rejected audit records (${JSON.stringify(rejected)})`);
        }
        return;
      } catch (error) {
        // The stream was deleted (or never made it): make a new one and try once more.
        if (!(error instanceof ResourceNotFoundException) || attempt > 1) throw error;
        this.stream = undefined;
      }
    }
  }

  /**
   * Creates this instance's log stream in the background, so that the first invocation's records find
   * it made (one round trip fewer on the first request's path). A failure is retried by the first write.
   */
  prepare(): void {
    void this.logStream().catch(() => {});
  }

  private logStream(): Promise<string> {
    if (!this.stream) {
      const day = this.now().toISOString().slice(0, 10).replaceAll('-', '/');
      const name = `${day}/audit/${randomUUID()}`;
      const creating = this.client
        .send(new CreateLogStreamCommand({ logGroupName: this.logGroupName, logStreamName: name }))
        .then(
          () => name,
          (error: unknown) => {
            if (error instanceof ResourceAlreadyExistsException) return name;
            this.stream = undefined; // try again on the next write
            throw error;
          },
        );
      this.stream = creating;
    }
    return this.stream;
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
