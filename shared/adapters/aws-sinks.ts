/**
 * The sinks in AWS: events to EventBridge, notifications to SNS, audit records to a dedicated
 * CloudWatch Logs group. Clients are created once per Lambda instance.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Config } from '../config.js';
import type { AuditRecord, AuditSink, EventSink, KmsEvent, Notification, Notifier, Sinks } from '../ports.js';

const PUT_EVENTS_BATCH = 10;

export class EventBridgeSink implements EventSink {
  private readonly client: EventBridgeClient;
  constructor(
    region: string,
    private readonly busName?: string,
  ) {
    this.client = new EventBridgeClient({ region });
  }

  async publish(events: KmsEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += PUT_EVENTS_BATCH) {
      const batch = events.slice(i, i + PUT_EVENTS_BATCH);
      const out = await this.client.send(
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
  private readonly client: SNSClient;
  constructor(
    region: string,
    private readonly topicArn: string,
  ) {
    this.client = new SNSClient({ region });
  }

  async notify(notifications: Notification[]): Promise<void> {
    for (const notification of notifications) {
      await this.client.send(
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

/** Until a dedicated log group is configured: one JSON line per record on stdout (the function's log group). */
export class StdoutAuditSink implements AuditSink {
  async write(records: AuditRecord[]): Promise<void> {
    for (const record of records) process.stdout.write(JSON.stringify({ auditRecord: record }) + '\n');
  }
}

/** Discards notifications when no topic is configured (logged by the job's report instead). */
const noNotifier: Notifier = { notify: async () => {} };

export function awsSinks(config: Config): Sinks {
  return {
    events: new EventBridgeSink(config.defaultRegion, config.eventBusName),
    audit: new StdoutAuditSink(),
    notifier: config.alarmTopicArn ? new SnsNotifier(config.defaultRegion, config.alarmTopicArn) : noNotifier,
  };
}
