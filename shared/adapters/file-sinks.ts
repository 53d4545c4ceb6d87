/**
 * The local runtime's sinks: JSON lines in the data directory, read back by `npm run events` and
 * `npm run audit`. Events and notifications whose id was written before are dropped, so the outbox's
 * at-least-once delivery becomes exactly once on a laptop.
 *
 *   <dataDir>/events.jsonl                EventBridge events, AWS's envelope
 *   <dataDir>/notifications.jsonl         alarm and warning notifications (SNS in AWS)
 *   <dataDir>/audit/<YYYY-MM-DD>.jsonl    CloudTrail-format records, by the day of their eventTime (UTC)
 */
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecord, AuditSink, EventSink, KmsEvent, Notification, Notifier, Sinks } from '../ports.js';

export const eventLogPath = (dataDir: string) => join(dataDir, 'events.jsonl');
export const notificationLogPath = (dataDir: string) => join(dataDir, 'notifications.jsonl');
export const auditDir = (dataDir: string) => join(dataDir, 'audit');

/** Appends JSON lines to one file, skipping ids it holds already (read once, then remembered). */
class DedupingJsonLines<T extends { id: string }> {
  private seen?: Set<string>;

  constructor(private readonly path: string) {}

  append(items: T[]): T[] {
    this.seen ??= this.load();
    const fresh = items.filter((item) => !this.seen!.has(item.id));
    if (fresh.length === 0) return fresh;
    // Synchronous: a job's delivery is rare, and a record must be on disk before its outbox entry goes.
    appendFileSync(this.path, fresh.map((item) => JSON.stringify(item) + '\n').join(''));
    for (const item of fresh) this.seen.add(item.id);
    return fresh;
  }

  private load(): Set<string> {
    let text = '';
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return new Set();
    }
    const ids = new Set<string>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        ids.add((JSON.parse(line) as { id: string }).id);
      } catch {
        // a torn last line (crash mid-write) carries no complete item
      }
    }
    return ids;
  }
}

export class FileEventSink implements EventSink {
  private readonly log: DedupingJsonLines<KmsEvent>;
  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.log = new DedupingJsonLines(eventLogPath(dataDir));
  }
  async publish(events: KmsEvent[]): Promise<void> {
    this.log.append(events);
  }
}

export class FileNotifier implements Notifier {
  private readonly log: DedupingJsonLines<Notification>;
  constructor(
    dataDir: string,
    private readonly echo: (notification: Notification) => void = (n) =>
      process.stderr.write(JSON.stringify({ level: n.severity === 'ALARM' ? 'ERROR' : 'WARN', service: 'kms-local', message: n.subject, notification: n }) + '\n'),
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.log = new DedupingJsonLines(notificationLogPath(dataDir));
  }
  async notify(notifications: Notification[]): Promise<void> {
    for (const fresh of this.log.append(notifications)) this.echo(fresh);
  }
}

/** Audit records by day; service events (deterministic ids) are deduplicated like events. */
export class FileAuditSink implements AuditSink {
  private readonly serviceEvents: DedupingJsonLines<{ id: string }>;
  constructor(private readonly dataDir: string) {
    mkdirSync(auditDir(dataDir), { recursive: true });
    this.serviceEvents = new DedupingJsonLines(join(auditDir(dataDir), 'service-event-ids.jsonl'));
  }
  async write(records: AuditRecord[]): Promise<void> {
    const byDay = new Map<string, string[]>();
    for (const record of records) {
      if (record.eventType === 'AwsServiceEvent' && this.serviceEvents.append([{ id: record.eventID }]).length === 0) continue;
      const day = record.eventTime.slice(0, 10);
      const lines = byDay.get(day) ?? [];
      lines.push(JSON.stringify(record) + '\n');
      byDay.set(day, lines);
    }
    for (const [day, lines] of byDay) appendFileSync(join(auditDir(this.dataDir), `${day}.jsonl`), lines.join(''));
  }
}

export function fileSinks(dataDir: string): Sinks {
  return { events: new FileEventSink(dataDir), audit: new FileAuditSink(dataDir), notifier: new FileNotifier(dataDir) };
}
