/** What the service tells the outside world, and the ports it tells it through (EventBridge, the audit trail, SNS, metrics). */

/**
 * Something to tell the outside world once a state change is committed: written in the same transaction
 * as the change (transactional outbox), delivered by `deliverOutbox` and then removed. `id` is
 * deterministic for job actions, so a re-run writes the same entry instead of a second one.
 */
export interface OutboxEntry {
  id: string;
  kind: 'event' | 'audit' | 'notification';
  body: Record<string, unknown>;
}

/** EventBridge in AWS, the data directory's event log locally. Delivering the same id twice is harmless locally. */
export interface EventSink {
  publish(events: KmsEvent[]): Promise<void>;
}

/** An EventBridge event in AWS's envelope (KMS-REFERENCE §11). */
export interface KmsEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** CloudTrail-format records: a dedicated log group in AWS, files in the data directory locally. */
export interface AuditSink {
  write(records: AuditRecord[]): Promise<void>;
}

export type AuditRecord = Record<string, unknown> & { eventID: string; eventTime: string; eventName: string };

/** Operator notifications (alarms, warnings): SNS in AWS, the data directory's notification log locally. */
export interface Notifier {
  notify(notifications: Notification[]): Promise<void>;
}

export interface Notification {
  id: string;
  severity: 'ALARM' | 'WARNING';
  subject: string;
  message: string;
  time: string;
  region: string;
  account: string;
  keyArn?: string;
  details?: Record<string, unknown>;
}

/**
 * Counts for CloudWatch (Powertools Metrics in the API and the jobs). The core records through this
 * port and never imports Powertools.
 */
export interface MetricsRecorder {
  count(name: string, value?: number): void;
}

export const noMetrics: MetricsRecorder = { count: () => {} };

export interface Sinks {
  events: EventSink;
  audit: AuditSink;
  notifier: Notifier;
}
