/**
 * The local runtime's sinks: JSON lines in the data directory, read back by `npm run events` and
 * `npm run audit`. Events and notifications whose id was written before are dropped, so the outbox's
 * at-least-once delivery becomes exactly once on a laptop.
 *
 *   <dataDir>/events.jsonl                EventBridge events, AWS's envelope
 *   <dataDir>/notifications.jsonl         alarm and warning notifications (SNS in AWS)
 *   <dataDir>/audit/<YYYY-MM-DD>.jsonl    CloudTrail-format records, by the day of their eventTime (UTC)
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { writeAuditLine } from '../audit/api-record.js';
import { LineWriter } from '../audit/line-writer.js';
import { PartlyWrittenError, type AuditLine, type StreamingAuditSink } from '../audit/buffer.js';
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
    appendLines(this.path, Buffer.from(fresh.map((item) => JSON.stringify(item) + '\n').join('')));
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
 * events. Each write is one append per day file, chained so batches land in order; `write` resolves
 * once the records are in the file (the outbox removes its entries after that).
 *
 * The API's records are a group commit (`append`): a request's line joins the day's group, the group is
 * encoded and goes to the file when the event loop next turns (with every line that arrived meanwhile,
 * so a busy service writes many records per write), and the request is answered only after that write:
 * an acknowledged request's record survives a kill -9 (it is in the file, in the OS's page cache, before
 * the client hears back). The lines are encoded together, one after the other, just before the write:
 * under load that costs about half of encoding each between two requests, whose work has moved the
 * encoder's code and data out of the CPU's caches (`npm run bench -- profile`). A line is made from its
 * completed call, which its request keeps alive until it is answered anyway.
 *
 * That write is synchronous (writeSync on a descriptor kept open): a few kilobytes into the page cache
 * take a few microseconds of CPU, where handing them to libuv's thread pool and back cost about 35
 * (measured), and a group waits for no other.
 */
/** A group's lines are written in parts of about this many bytes, so that the buffer stays small. */
const FLUSH_BYTES = 128 * 1024;
/** A group of this many lines is written at once, without waiting for the event loop to turn. */
const GROUP_LINES = 128;
/** While group commits keep failing, how often one is reported. */
const REPORT_EVERY_MS = 10_000;
/** Room for a full part's lines and one more record, so that a group commit's buffer does not grow. */
const LINES_BYTES = FLUSH_BYTES + 16 * 1024;

export class FileAuditSink implements AuditSink, StreamingAuditSink {
  private readonly serviceEvents: DedupingJsonLines<{ id: string }>;
  private tail: Promise<void> = Promise.resolve();
  /** The first day's lines of each batch; batches are encoded one at a time (see write). */
  private readonly reusable = new LineWriter(LINES_BYTES);
  /** Streaming (append): the group's lines, not yet written, and the day they belong to. */
  private group: AuditLine[] = [];
  private currentDay = '';
  /** Resolves when the group's lines are in their file (made with the first of them). */
  private groupWritten: Deferred | undefined;
  /** The group's lines, encoded. */
  private readonly encoded = new LineWriter(LINES_BYTES);
  private scheduled = false;
  private exitHook = false;
  private lastFailed = false;
  /** When a failed group was last reported (epoch ms). */
  private reportedAt = 0;
  /** The day file group commits go to, open (appendToOpen). */
  private opened: { day: string; fd: number; endedAt: number } | undefined;
  /** How many bytes of its lines the last failed append wrote before it failed. */
  private writtenBeforeFailure = 0;
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
    const written = this.tail.then(() => {
      const ids = new Set<string>();
      const fresh = records.filter((record) => {
        if (record.eventType !== 'AwsServiceEvent') return true;
        if (this.serviceEvents.has(record.eventID) || ids.has(record.eventID)) return false;
        ids.add(record.eventID);
        return true;
      });
      for (const [day, bytes] of this.linesByDay(fresh)) this.appendToOpen(day, bytes);
      // The dedup mark follows the record, never precedes it: a crash in between writes the record
      // twice on redelivery (the outbox keeps it), never loses it.
      this.serviceEvents.append(fresh.filter((record) => record.eventType === 'AwsServiceEvent').map((record) => ({ id: record.eventID })));
    });
    // A failed append fails this write only, not every later one.
    this.tail = written.catch(() => {});
    return written;
  }

  /**
   * The API's hot path: the line joins the group, and the returned promise resolves once the group is in
   * the file (group commit). A failed write rejects the promise of every line in the group: their
   * requests must not be acknowledged, since their records are not durable, except those a
   * PartlyWrittenError names as written (a write a full disk stopped midway got their lines out whole;
   * a line that could not be encoded leaves the others of its group written). A failed write is
   * reported to onError when writes start failing, then every 10 s while they go on.
   */
  append(line: AuditLine): Promise<void> {
    const day = line.eventTime.slice(0, 10);
    if (day !== this.currentDay) {
      this.flushCurrent();
      this.currentDay = day;
    }
    this.group.push(line);
    const written = (this.groupWritten ??= deferred());
    if (this.group.length >= GROUP_LINES) this.flushCurrent();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushScheduled);
    }
    if (!this.exitHook) {
      this.exitHook = true;
      process.once('exit', () => this.flushCurrent());
    }
    return written.promise;
  }

  /** Resolves when every appended record is in its file. */
  flush(): Promise<void> {
    this.flushCurrent();
    return this.tail;
  }

  /** Encodes the group's lines and writes them to their day's file, in parts of about FLUSH_BYTES. */
  private flushCurrent(): void {
    const lines = this.group;
    if (lines.length === 0) return;
    this.group = [];
    const done = this.groupWritten!;
    this.groupWritten = undefined;
    const out = this.encoded.reset();
    /** The ids of the lines that could not be encoded, and why the first could not. */
    let unencodable: Set<string> | undefined;
    let unencodableError: unknown;
    /** The lines before this one are in the file, or could not be encoded. */
    let writtenUpTo = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const start = out.size;
      try {
        line.writeTo(out);
        out.newline();
      } catch (error) {
        out.truncate(start); // no part of a line its group would write
        if (unencodable === undefined) unencodableError = error;
        (unencodable ??= new Set()).add(line.eventID);
      }
      if (out.size === 0 || (out.size < FLUSH_BYTES && i < lines.length - 1)) continue;
      try {
        this.appendToOpen(this.currentDay, out.contents());
      } catch (failure) {
        // The lines written whole before the failure are durable: their requests may be answered.
        const written = eventIdsOfLines(out.contents().subarray(0, this.writtenBeforeFailure));
        for (let j = 0; j < writtenUpTo; j++) if (!unencodable?.has(lines[j]!.eventID)) written.add(lines[j]!.eventID);
        out.reset();
        const error = written.size > 0 || unencodable ? new PartlyWrittenError(failure, written, unencodable) : failure;
        this.failed(error);
        done.reject(error);
        return;
      }
      out.reset();
      writtenUpTo = i + 1;
      this.lastFailed = false;
    }
    if (unencodable === undefined) return done.resolve();
    // A bug (a value the encoder cannot write): the others are written, its request fails.
    this.options.onError?.(unencodableError);
    const written = new Set(lines.filter((line) => !unencodable.has(line.eventID)).map((line) => line.eventID));
    done.reject(new PartlyWrittenError(unencodableError, written, unencodable));
  }

  /**
   * A group commit failed: reported when the writes start failing, then at most every REPORT_EVERY_MS
   * while they go on (under load a full disk fails hundreds of groups a second).
   */
  private failed(error: unknown): void {
    const now = Date.now();
    if (!this.lastFailed || now - this.reportedAt >= REPORT_EVERY_MS) {
      this.reportedAt = now;
      this.options.onError?.(error);
    }
    this.lastFailed = true;
  }

  /** Whether the last group commit failed (until one succeeds). */
  get failing(): boolean {
    return this.lastFailed;
  }

  /**
   * Appends to a day's file through a descriptor kept open between group commits: opening and closing
   * it for every group cost more than the write. Opened for appending (O_APPEND), so each write lands
   * whole at the end, also beside other processes appending to the same file (the local API workers).
   * A file removed meanwhile (by hand, or the retention job's compression of a closed day) is opened
   * again by its name: records written to an unlinked file would be acknowledged and found nowhere.
   * A write that failed part of the way (a full disk), here or in another process, left a line without
   * its end: it is ended first, or the next record would join it and be unreadable.
   */
  private appendToOpen(day: string, bytes: Buffer): void {
    this.writtenBeforeFailure = 0;
    if (this.opened !== undefined && this.opened.day !== day) this.closeOpened();
    let size = this.opened === undefined ? undefined : linkedSize(this.opened.fd);
    if (size === undefined) {
      this.closeOpened();
      const fd = openSync(this.dayFile(day), 'a+'); // read too: its last byte (endsLine)
      this.opened = { day, fd, endedAt: -1 };
      size = fstatSync(fd).size;
    }
    const opened = this.opened!;
    const fd = opened.fd;
    let at = 0;
    try {
      // (Not read when the file is as this sink's last write left it: ending with its newline.)
      if (size > 0 && size !== opened.endedAt && !endsLine(fd, size)) size += writeSync(fd, NEWLINE);
      while (at < bytes.length) at += writeSync(fd, bytes, at);
      opened.endedAt = size + bytes.length;
    } catch (error) {
      this.writtenBeforeFailure = at;
      // The next group opens the file again (it may have been removed or replaced meanwhile).
      this.closeOpened();
      throw error;
    }
  }

  private closeOpened(): void {
    const opened = this.opened;
    this.opened = undefined;
    if (opened) {
      try {
        closeSync(opened.fd);
      } catch {
        // already closed
      }
    }
  }

  private dayFile(day: string): string {
    return join(auditDir(this.dataDir), `${day}.jsonl`);
  }

  /**
   * Each record's line is encoded straight into a buffer per day: joining a big batch into one string
   * first costs several times more (V8 flattens and re-encodes a large string).
   */
  private linesByDay(records: AuditRecord[]): Map<string, Buffer> {
    const byDay = new Map<string, LineWriter>();
    for (const record of records) {
      const day = record.eventTime.slice(0, 10);
      let lines = byDay.get(day);
      if (!lines) {
        lines = byDay.size === 0 ? this.reusable.reset() : new LineWriter();
        byDay.set(day, lines);
      }
      writeAuditLine(lines, record);
    }
    const out = new Map<string, Buffer>();
    for (const [day, lines] of byDay) out.set(day, lines.contents());
    return out;
  }
}

/** An open file's size while it still has a name (fstat's link count); undefined when it has none, or cannot say. */
function linkedSize(fd: number): number | undefined {
  try {
    const stats = fstatSync(fd);
    return stats.nlink > 0 ? stats.size : undefined;
  } catch {
    return undefined;
  }
}

/** Appends whole lines to a file (made if missing), ending a line a failed write left without its end first. */
function appendLines(path: string, lines: Buffer): void {
  const fd = openSync(path, 'a+');
  try {
    const size = fstatSync(fd).size;
    if (size > 0 && !endsLine(fd, size)) writeSync(fd, NEWLINE);
    for (let at = 0; at < lines.length; ) at += writeSync(fd, lines, at);
  } finally {
    closeSync(fd);
  }
}

/** The eventIDs of the whole lines (each ended by its newline) in `bytes`: records a failed write got out. */
function eventIdsOfLines(bytes: Buffer): Set<string> {
  const ids = new Set<string>();
  for (let start = 0, end = bytes.indexOf(0x0a); end !== -1; start = end + 1, end = bytes.indexOf(0x0a, start)) {
    try {
      const id = (JSON.parse(bytes.toString('utf8', start, end)) as { eventID?: unknown }).eventID;
      if (typeof id === 'string') ids.add(id);
    } catch {
      // not a record's line: nothing to name
    }
  }
  return ids;
}

const NEWLINE = Buffer.from('\n');
const lastByte = Buffer.alloc(1);

/** Whether a file of `size` bytes ends with a newline (its last line is whole). */
function endsLine(fd: number, size: number): boolean {
  return readSync(fd, lastByte, 0, 1, size - 1) === 1 && lastByte[0] === 0x0a;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  // Its requests await it; the exit hook's group has none left to, and that is no unhandled rejection.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

export function fileSinks(dataDir: string, onAuditError?: (error: unknown) => void): Sinks {
  return {
    events: new FileEventSink(dataDir),
    audit: new FileAuditSink(dataDir, { onError: onAuditError ?? ((error) => process.stderr.write(`audit records could not be written: ${String(error)}\n`)) }),
    notifier: new FileNotifier(dataDir),
  };
}
