/**
 * The API's audit trail: a CloudTrail-format record of every request the dispatcher completed. Locally
 * the file sink takes each record as it comes and the answer waits until it is written (group commit);
 * in Lambda records are batched and written at the end of the invocation (`flushMiddleware`), before
 * the response leaves.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import type { AuditSink } from '../core/sinks.js';
import { apiCallRecordOf, type CompletedCall } from './api-record.js';
import { AuditBuffer, isStreamingAuditSink } from './buffer.js';

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
  /** Whether the last write of records failed (until one succeeds). */
  failing(): boolean;
}

export interface ApiAuditOptions {
  /** `invocation`: batched, written at the end of each invocation. `timer`: as they come (or within `flushAfterMs`). */
  mode: 'invocation' | 'timer';
  flushAfterMs?: number;
  /** A record that could not be built or written: say so (an unwritten one also fails its request). */
  onError(error: unknown, records: number): void;
  /**
   * Each record once it is written, with its request (GetKeyLastUsage names the record of a key's last
   * use, so it must name only records that exist); never for a record that could not be written.
   */
  onRecorded?(eventId: string, done: CompletedCall): void;
}

export function apiAuditTrail(sink: AuditSink, options: ApiAuditOptions): ApiAuditTrail {
  const streaming = options.mode === 'timer' && isStreamingAuditSink(sink) ? sink : undefined;
  const buffer = streaming ? undefined : new AuditBuffer(sink, { flushAfterMs: options.mode === 'timer' ? (options.flushAfterMs ?? 20) : undefined, onError: options.onError });
  return {
    record(done) {
      let record: ReturnType<typeof apiCallRecordOf>;
      try {
        record = apiCallRecordOf(done);
      } catch (error) {
        // No record, so no acknowledgement either.
        options.onError(error, 1);
        return Promise.reject(error);
      }
      const onRecorded = options.onRecorded;
      const recorded =
        onRecorded &&
        (() => {
          try {
            onRecorded(record.eventID, done);
          } catch {
            // Bookkeeping (a key's last use) never fails the request whose record is written.
          }
        });
      // Locally the answer waits for the record to be in its file: it survives a crash.
      if (streaming) return recorded ? streaming.append(record).then(recorded) : streaming.append(record);
      buffer!.add(record, recorded);
    },
    failing: () => (streaming ? streaming.failing : buffer!.failing),
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
