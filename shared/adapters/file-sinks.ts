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
import { appendFile, open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { auditLine } from '../audit/api-record.js';
import type { StreamingAuditSink } from '../audit/buffer.js';
import type { AuditRecord, AuditSink, EventSink, KmsEvent, Notification, Notifier, Sinks } from '../core/sinks.js';

export const eventLogPath = (dataDir: string) => join(dataDir, 'events.jsonl');
export const notificationLogPath = (dataDir: string) => join(dataDir, 'notifications.jsonl');
export const auditDir = (dataDir: string) => join(dataDir, 'audit');

/** Appends JSON lines to one file, skipping ids it holds already (read once, then remembered). */
class DedupingJsonLines<T extends { id: string }> {
  private seen?: Set<string>;

  constructor(private readonly path: string) {}

  /** Whether an item of this id was written before. */
  has(id: string): boolean {
    this.seen ??= this.load();
    return this.seen.has(id);
  }

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

/**
 * Audit records by day (UTC day of eventTime); service events (deterministic ids) are deduplicated like
 * events. Each write is one appendFile per day file, chained so batches land in order; `write` resolves
 * once the records are on disk (the outbox removes its entries after that).
 *
 * The API's records are a group commit (`append`): a request's record is encoded into the day's buffer
 * at once, the buffer goes to the file when the event loop next turns (with every record that arrived
 * meanwhile, so a busy service writes many records per append), and the request is answered only after
 * that write: an acknowledged request's record survives a kill -9 (it is in the file, in the OS's page
 * cache, before the client hears back).
 */
const FLUSH_BYTES = 128 * 1024;

export class FileAuditSink implements AuditSink, StreamingAuditSink {
  private readonly serviceEvents: DedupingJsonLines<{ id: string }>;
  private tail: Promise<void> = Promise.resolve();
  /** The first day's lines of each batch; batches are encoded one at a time (see write). */
  private readonly reusable = new LineBuffer();
  /** Streaming (append): the lines not yet handed to the file, the day they belong to, spare buffers. */
  private current = new LineBuffer();
  private currentDay = '';
  /** Resolves when the current buffer is in its file (made with its first line). */
  private currentWritten: Deferred | undefined;
  private scheduled = false;
  /** A group-commit write is in flight: records arriving meanwhile wait for it and go in the next one. */
  private writing = false;
  private readonly spares: LineBuffer[] = [];
  private exitHook = false;
  /** The day file group commits go to, open (appendToOpen). */
  private opened: { path: string; handle: Promise<FileHandle> } | undefined;
  private readonly flushScheduled = () => {
    this.scheduled = false;
    this.flushCurrent();
  };

  constructor(
    private readonly dataDir: string,
    private readonly options: { onError?: (error: unknown) => void } = {},
  ) {
    mkdirSync(auditDir(dataDir), { recursive: true });
    this.serviceEvents = new DedupingJsonLines(join(auditDir(dataDir), 'service-event-ids.jsonl'));
  }

  write(records: AuditRecord[]): Promise<void> {
    // Encoded only when the previous write is done, so one buffer serves every batch (no allocation).
    const written = this.tail.then(async () => {
      const ids = new Set<string>();
      const fresh = records.filter((record) => {
        if (record.eventType !== 'AwsServiceEvent') return true;
        if (this.serviceEvents.has(record.eventID) || ids.has(record.eventID)) return false;
        ids.add(record.eventID);
        return true;
      });
      for (const [day, bytes] of this.linesByDay(fresh, true)) await appendFile(this.dayFile(day), bytes);
      // The dedup mark follows the record, never precedes it: a crash in between writes the record
      // twice on redelivery (the outbox keeps it), never loses it.
      this.serviceEvents.append(fresh.filter((record) => record.eventType === 'AwsServiceEvent').map((record) => ({ id: record.eventID })));
    });
    // A failed append fails this write only, not every later one.
    this.tail = written.catch(() => {});
    return written;
  }

  /**
   * The API's hot path: the record is encoded at once into the day's buffer (no record stays on the heap
   * until a flush) and the returned promise resolves once the buffer is in the file (group commit).
   * A failed write is reported to onError and resolves too: the request has been carried out.
   */
  append(record: AuditRecord): Promise<void> {
    const day = record.eventTime.slice(0, 10);
    if (day !== this.currentDay) {
      if (this.current.size > 0) this.flushCurrent();
      this.currentDay = day;
    }
    this.current.add(auditLine(record));
    const written = (this.currentWritten ??= deferred());
    // One write at a time: while one is in flight, records gather for the next (that is the group).
    if (this.writing) return written.promise;
    // Hand over full buffers at once, so that they stay small, get reused, and never grow into fresh memory.
    if (this.current.size >= FLUSH_BYTES) this.flushCurrent();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushScheduled);
    }
    if (!this.exitHook) {
      this.exitHook = true;
      process.once('exit', () => this.flushSync());
    }
    return written.promise;
  }

  /** Resolves when every appended record is in its file. */
  flush(): Promise<void> {
    this.flushCurrent();
    return this.tail;
  }

  private flushCurrent(): void {
    if (this.current.size === 0) return;
    const lines = this.current;
    const done = this.currentWritten;
    const path = this.dayFile(this.currentDay);
    this.current = this.spares.pop() ?? new LineBuffer();
    this.currentWritten = undefined;
    this.writing = true;
    this.tail = this.tail
      .then(() => this.appendToOpen(path, lines.bytes()))
      .catch((error: unknown) => this.options.onError?.(error))
      .finally(() => {
        this.spares.push(lines.reset());
        this.writing = false;
        done?.resolve();
        // What gathered during this write is the next group.
        if (this.current.size > 0) this.flushCurrent();
      });
  }

  /**
   * Appends to the day's file through a handle kept open between group commits: opening and closing it
   * for every group cost more than the write. Opened for appending (O_APPEND), so each write lands whole
   * at the end, also beside other processes appending to the same file (the local API workers).
   */
  private async appendToOpen(path: string, bytes: Buffer): Promise<void> {
    if (this.opened?.path !== path) {
      const previous = this.opened;
      this.opened = { path, handle: open(path, 'a') };
      previous?.handle.then((handle) => handle.close()).catch(() => {});
    }
    const opened = this.opened;
    try {
      const handle = await opened.handle;
      for (let at = 0; at < bytes.length; ) at += (await handle.write(bytes, at)).bytesWritten;
    } catch (error) {
      // The next group opens the file again (it may have been removed or replaced meanwhile).
      if (this.opened === opened) this.opened = undefined;
      opened.handle.then((handle) => handle.close()).catch(() => {});
      throw error;
    }
  }

  /** For the records still pending when the process exits. */
  private flushSync(): void {
    if (this.current.size === 0) return;
    try {
      appendFileSync(this.dayFile(this.currentDay), this.current.bytes());
    } catch (error) {
      this.options.onError?.(error);
    }
    this.current.reset();
  }

  private dayFile(day: string): string {
    return join(auditDir(this.dataDir), `${day}.jsonl`);
  }

  /**
   * Each record's line is encoded straight into a buffer per day: joining a big batch into one string
   * first costs several times more (V8 flattens and re-encodes a large string).
   */
  private linesByDay(records: AuditRecord[], reuse: boolean): Map<string, Buffer> {
    const byDay = new Map<string, LineBuffer>();
    for (const record of records) {
      const day = record.eventTime.slice(0, 10);
      let lines = byDay.get(day);
      if (!lines) {
        lines = reuse && byDay.size === 0 ? this.reusable.reset() : new LineBuffer();
        byDay.set(day, lines);
      }
      lines.add(auditLine(record));
    }
    const out = new Map<string, Buffer>();
    for (const [day, lines] of byDay) out.set(day, lines.bytes());
    return out;
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

class LineBuffer {
  private buffer = Buffer.allocUnsafe(FLUSH_BYTES + 16 * 1024);
  private length = 0;

  add(line: string): void {
    const most = line.length * 3 + 1; // UTF-8 needs at most 3 bytes per UTF-16 unit
    if (this.length + most > this.buffer.length) {
      const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + most));
      this.buffer.copy(next, 0, 0, this.length);
      this.buffer = next;
    }
    this.length += this.buffer.write(line, this.length, 'utf8');
    this.buffer[this.length++] = 0x0a;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  get size(): number {
    return this.length;
  }

  reset(): this {
    this.length = 0;
    return this;
  }
}

export function fileSinks(dataDir: string, onAuditError?: (error: unknown) => void): Sinks {
  return {
    events: new FileEventSink(dataDir),
    audit: new FileAuditSink(dataDir, { onError: onAuditError ?? ((error) => process.stderr.write(`audit records could not be written: ${String(error)}\n`)) }),
    notifier: new FileNotifier(dataDir),
  };
}
