/**
 * Collects the API's audit records and hands them to the audit sink in batches, off the request path:
 * `add` is an array push. In Lambda the handler awaits `flush()` at the end of each invocation (a frozen
 * instance runs no timers). Batches are written one after the other, in the order they were taken.
 * The local runtime's file sink streams instead (StreamingAuditSink): it takes each request's line (an
 * ApiCallLine, made from the completed call: no record object in between) and writes it with the others
 * of its group when the event loop next turns.
 */
import type { AuditRecord, AuditSink } from '../core/sinks.js';
import type { LineWriter } from './line-writer.js';

/** A record as a streaming sink takes it: its id, its time (the day file it goes to) and how to write its JSON line. */
export interface AuditLine {
  readonly eventID: string;
  readonly eventTime: string;
  /** The record's JSON, without its newline; throws, maybe having written part of it, when it cannot. */
  writeTo(out: LineWriter): void;
}

/**
 * A sink that takes records' lines one by one on the request path and writes them out itself, soon
 * (group commit): the promise resolves when the line is written, and the request is answered after that.
 * It rejects when the record's group could not be written whole; a PartlyWrittenError then names the
 * records of the group that reached the file (a full disk stops a write midway; a line that cannot be
 * encoded is left out of its group).
 */
export interface StreamingAuditSink {
  append(line: AuditLine): Promise<void>;
  /** Whether the last write of appended records failed (until one succeeds). */
  readonly failing: boolean;
  /** Resolves when everything appended so far is written. */
  flush(): Promise<void>;
}

/**
 * A group commit that got only some of its records into the file: those it names are durable. The others
 * were cut short by a failed write (a full disk stops a write midway), or could not be encoded (a bug:
 * no other sink could write them either).
 */
export class PartlyWrittenError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly writtenEventIds: ReadonlySet<string>,
    readonly unencodableEventIds: ReadonlySet<string> = new Set(),
  ) {
    super(`${cause instanceof Error ? cause.message : String(cause)} (${writtenEventIds.size} records of the group were written)`);
  }
}

/** Whether a record whose write was refused with `error` is in the file all the same. */
export function writtenDespite(error: unknown, record: { eventID: string }): boolean {
  return error instanceof PartlyWrittenError && error.writtenEventIds.has(record.eventID);
}

/** Whether a record whose write was refused with `error` could not be encoded: no sink could write it. */
export function unencodable(error: unknown, record: { eventID: string }): boolean {
  return error instanceof PartlyWrittenError && error.unencodableEventIds.has(record.eventID);
}

export function isStreamingAuditSink(sink: AuditSink): sink is AuditSink & StreamingAuditSink {
  return typeof (sink as Partial<StreamingAuditSink>).append === 'function';
}

export interface AuditBufferOptions {
  /** Flush this long after the first record of a batch; undefined: only on `flush()`. */
  flushAfterMs?: number;
  /** A failed write: its batch is not written (flush rejects as well); say so here. */
  onError: (error: unknown, records: number) => void;
}

export class AuditBuffer {
  private pending: AuditRecord[] = [];
  /** What to tell once the pending records are written (add's `written`). */
  private whenWritten: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<void> = Promise.resolve();
  private lastFailed = false;
  private readonly flushSoon = () => {
    this.timer = undefined;
    // A failure is reported through onError.
    this.flush().catch(() => {});
  };

  constructor(
    private readonly sink: AuditSink,
    private readonly options: AuditBufferOptions,
  ) {}

  /** `written` is called once the record is written, never if its write fails. */
  add(record: AuditRecord, written?: () => void): void {
    this.pending.push(record);
    if (written) this.whenWritten.push(written);
    if (this.timer === undefined && this.options.flushAfterMs !== undefined) {
      this.timer = setTimeout(this.flushSoon, this.options.flushAfterMs);
      // The exit hook writes what is left; the timer must not keep a finished process alive.
      this.timer.unref();
    }
  }

  /**
   * Hands the pending records to the sink; resolves when they (and every earlier batch) are written, and
   * rejects when their write failed (after onError): the invocation that made them must not be
   * acknowledged. A failed batch does not fail the later ones.
   */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return this.tail;
    const batch = this.pending;
    const whenWritten = this.whenWritten;
    this.pending = [];
    this.whenWritten = [];
    const written = this.tail.then(() => this.sink.write(batch));
    // (Registered before the caller's own handlers on `written`: they run before flush's caller resumes.)
    this.tail = written.then(
      () => {
        this.lastFailed = false;
        for (const tell of whenWritten) tell();
      },
      (error: unknown) => {
        this.lastFailed = true;
        this.options.onError(error, batch.length);
      },
    );
    return written;
  }

  /** Whether the last batch's write failed (until one succeeds). */
  get failing(): boolean {
    return this.lastFailed;
  }

  get size(): number {
    return this.pending.length;
  }
}
