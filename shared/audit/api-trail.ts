/**
 * The API's audit trail: a CloudTrail-format record of every request the dispatcher completed. Locally
 * the file sink takes each record as it comes and the answer waits until it is written (group commit);
 * in Lambda records are batched and written at the end of the invocation (`flushMiddleware`), before
 * the response leaves.
 *
 * Records the sink cannot take (CloudWatch Logs failing or throttling, a full disk) go to the fallback
 * instead, the region's transactional outbox, from which the jobs deliver them once the sink takes
 * them again: durable there too, so their requests are answered as usual. Only a record neither takes
 * leaves its request unacknowledged.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import type { AuditRecord, AuditSink } from '../core/sinks.js';
import { ApiCallLine, apiCallRecordOf, completedAt, type CompletedCall } from './api-record.js';
import { AuditBuffer, isStreamingAuditSink, unencodable, writtenDespite } from './buffer.js';

export interface ApiAuditTrail {
  /**
   * Records a completed request; a promise when the answer must wait for the record to be written,
   * which rejects when it could not be (a success must then not be acknowledged).
   */
  record(done: CompletedCall): void | Promise<void>;
  /**
   * Middy middleware that writes the buffered records at the end of each invocation (Lambda). When they
   * cannot be written, `unwritten` is given the invocation to answer: a success must not be acknowledged.
   */
  flushMiddleware(unwritten: (request: Request) => void): MiddlewareObj;
  /** Whether the last records could not be made durable, by the sink or the fallback (until some are). */
  failing(): boolean;
}

export interface ApiAuditOptions {
  /** `invocation`: batched, written at the end of each invocation. `timer`: as they come (or within `flushAfterMs`). */
  mode: 'invocation' | 'timer';
  flushAfterMs?: number;
  /** A record that could not be built or written: say so (an unwritten one also fails its request). */
  onError(error: unknown, records: number): void;
  /**
   * Keeps records the sink could not take (in the region's outbox), resolving once they are durable
   * there. Without it, a record the sink could not take fails its request.
   */
  fallback?(records: AuditRecord[]): Promise<void>;
  /**
   * Hands the records this trail's fallback kept back to the sink (and out of the outbox), called once
   * the sink takes records again; what it leaves, the jobs deliver.
   */
  redeliver?(records: AuditRecord[]): Promise<void>;
  /**
   * Each record once it is written, with its request (GetKeyLastUsage names the record of a key's last
   * use, so it must name only records that exist); never for a record that could not be written.
   */
  onRecorded?(eventId: string, done: CompletedCall): void;
}

/** Kept records remembered for redelivery at most (beyond, the jobs deliver them). */
const MAX_KEPT = 10_000;

export function apiAuditTrail(sink: AuditSink, options: ApiAuditOptions): ApiAuditTrail {
  const streaming = options.mode === 'timer' && isStreamingAuditSink(sink) ? sink : undefined;
  const fallback = options.fallback;
  const buffer = streaming
    ? undefined
    : new AuditBuffer(fallback ? { write: (records) => sink.write(records).then(redeliverKept, (error: unknown) => keepElsewhere(error, records)) } : sink, {
        flushAfterMs: options.mode === 'timer' ? (options.flushAfterMs ?? 20) : undefined,
        onError: options.onError,
      });
  /** Streaming: whether the fallback's last write failed (the sink says whether its own did). */
  let fallbackFailed = false;
  /** What the fallback kept, for `redeliver` once the sink takes records again. */
  let kept: AuditRecord[] = [];
  const keep = (records: AuditRecord[]) => {
    if (options.redeliver && kept.length < MAX_KEPT) kept.push(...records);
  };
  /** After a write the sink took: what the fallback kept goes back to it, in the background. */
  const redeliverKept = () => {
    if (kept.length === 0) return;
    const records = kept;
    kept = [];
    // A failure leaves them in the outbox, for the jobs.
    options.redeliver!(records).catch(() => {});
  };

  /** Records the sink refused, to the fallback: its failure is the write's (the buffer's `failing`). */
  const keepElsewhere = async (error: unknown, records: AuditRecord[]) => {
    options.onError(error, records.length);
    await fallback!(records);
    keep(records);
  };
  /**
   * A streamed record its group commit could not write (the sink reported the group's failure once).
   * A failing fallback is reported when it starts failing, not for every record of every group after.
   */
  const streamElsewhere = (record: AuditRecord, error: unknown) =>
    fallback!([record]).then(
      () => {
        fallbackFailed = false;
        keep([record]);
      },
      (fallbackError: unknown) => {
        if (!fallbackFailed) options.onError(fallbackError, 1);
        fallbackFailed = true;
        throw error;
      },
    );
  const recorded = (eventId: string, done: CompletedCall) => {
    try {
      options.onRecorded?.(eventId, done);
    } catch {
      // Bookkeeping (a key's last use) never fails the request whose record is written.
    }
  };
  /**
   * A request's line to the streaming sink, which encodes it into the group being gathered (no record
   * object is made); answered once the group is written.
   */
  const streamed = (done: CompletedCall): Promise<void> => {
    let line: ApiCallLine;
    let written: Promise<void>;
    try {
      line = new ApiCallLine(done, completedAt(done));
      written = streaming!.append(line);
    } catch (error) {
      // No record, so no acknowledgement either.
      options.onError(error, 1);
      return Promise.reject(error);
    }
    // A group whose write failed midway: its records in the file count as written (not kept twice).
    if (fallback) {
      return written.then(
        () => {
          redeliverKept();
          recorded(line.eventID, done);
        },
        (error: unknown) => {
          if (writtenDespite(error, line)) return recorded(line.eventID, done);
          // (A line that could not be encoded is a bug the outbox's delivery would meet again.)
          if (unencodable(error, line)) throw error;
          return streamElsewhere(recordOf(line, error), error).then(() => recorded(line.eventID, done));
        },
      );
    }
    return written.then(
      () => recorded(line.eventID, done),
      (error: unknown) => {
        if (!writtenDespite(error, line)) throw error;
        recorded(line.eventID, done);
      },
    );
  };
  /** The record of a line its group could not write, for the fallback (the group's error when it cannot be made). */
  const recordOf = (line: ApiCallLine, groupError: unknown): AuditRecord => {
    try {
      return line.record();
    } catch (error) {
      options.onError(error, 1);
      throw groupError;
    }
  };
  return {
    record(done) {
      // Locally the answer waits for the record to be in its file (or the outbox): it survives a crash.
      if (streaming) return streamed(done);
      let record: AuditRecord;
      try {
        record = apiCallRecordOf(done);
      } catch (error) {
        // No record, so no acknowledgement either.
        options.onError(error, 1);
        return Promise.reject(error);
      }
      buffer!.add(record, options.onRecorded && (() => recorded(record.eventID, done)));
    },
    failing: () => (streaming ? streaming.failing && (!fallback || fallbackFailed) : buffer!.failing),
    flushMiddleware(unwritten) {
      const flush = () => (streaming ? streaming.flush() : buffer!.flush());
      return {
        after: async (request) => {
          try {
            await flush();
          } catch {
            unwritten(request); // reported through onError
          }
        },
        // The handler failed: its error is the answer; a failed write is reported through onError.
        onError: () => flush().catch(() => {}),
      };
    },
  };
}
