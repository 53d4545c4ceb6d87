/**
 * Collects the API's audit records and hands them to the audit sink in batches, off the request path:
 * `add` is an array push. Locally a short timer flushes (records are on disk within `flushAfterMs`);
 * in Lambda the handler awaits `flush()` at the end of each invocation (a frozen instance runs no timers).
 * Batches are written one after the other, in the order they were taken.
 */
import type { AuditRecord, AuditSink } from '../ports.js';

/** A sink that can also write synchronously (the local files), for the last records at process exit. */
export interface SyncAuditSink extends AuditSink {
  writeSync(records: AuditRecord[]): void;
}

export interface AuditBufferOptions {
  /** Flush this long after the first record of a batch; undefined: only on `flush()`. */
  flushAfterMs?: number;
  /** A failed write loses its batch (the request has been answered); say so here. */
  onError: (error: unknown, records: number) => void;
  /** Write what is still pending when the process exits (needs a sink with writeSync). */
  flushOnExit?: boolean;
}

export class AuditBuffer {
  private pending: AuditRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private tail: Promise<void> = Promise.resolve();
  private readonly flushSoon = () => {
    this.timer = undefined;
    void this.flush();
  };

  constructor(
    private readonly sink: AuditSink,
    private readonly options: AuditBufferOptions,
  ) {
    if (options.flushOnExit && 'writeSync' in sink) {
      process.once('exit', () => this.flushSync());
    }
  }

  add(record: AuditRecord): void {
    this.pending.push(record);
    if (this.timer === undefined && this.options.flushAfterMs !== undefined) {
      this.timer = setTimeout(this.flushSoon, this.options.flushAfterMs);
      // The exit hook writes what is left; the timer must not keep a finished process alive.
      this.timer.unref();
    }
  }

  /** Hands the pending records to the sink; resolves when they (and every earlier batch) are written. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return this.tail;
    const batch = this.pending;
    this.pending = [];
    this.tail = this.tail.then(
      () => this.sink.write(batch).catch((error: unknown) => this.options.onError(error, batch.length)),
    );
    return this.tail;
  }

  /** Pending records written synchronously (process exit); batches already handed over are the sink's. */
  flushSync(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      (this.sink as SyncAuditSink).writeSync(batch);
    } catch (error) {
      this.options.onError(error, batch.length);
    }
  }

  get size(): number {
    return this.pending.length;
  }
}
