/**
 * AWS JSON 1.1 request handling, independent of Lambda: reads X-Amz-Target, parses and validates the
 * body against the model, runs the operation, encodes the result, and turns every failure into the
 * `{__type, message}` body AWS sends. Anything that is not a KmsError becomes KMSInternalException and is
 * logged with its cause, never shown to the caller.
 */
import { randomUUID } from 'node:crypto';
import { errorBody, KmsError, KMSInternalException, SerializationException, UnknownOperationException } from '../errors.js';
import { model } from '../model/model.js';
import type { Caller, Operation, RequestScope } from '../core/caller.js';
import { mediaType } from './request-headers.js';
import { decodeInput, outputJson } from './validation.js';

export interface WireRequest {
  target: string | undefined;
  /** The Content-Type header (undefined when absent). */
  contentType?: string;
  body: string;
  region: string;
  caller: Caller;
  requestId?: string;
}

export interface WireResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}


export interface DispatchHooks<Ctx> {
  operations: Readonly<Record<string, Operation<Ctx>>>;
  context(scope: RequestScope): Ctx;
  onInternalError(error: unknown, operation: string | undefined): void;
  /**
   * The KMS error an unexpected error stands for, if any (e.g. the store being unreachable:
   * DependencyTimeoutException); anything it leaves undefined is a KMSInternalException.
   */
  classifyError?(error: unknown, operation: string | undefined): KmsError | undefined;
  /** Called once the input is valid, before the operation runs: an error it returns is the answer. */
  admit?(operation: string): KmsError | undefined;
  /**
   * Called once per request, after the response is decided and before it is returned (audit record,
   * metrics). Must be cheap and must not throw; it must not keep references to secrets in `input` or
   * `output` beyond what it records. A promise it returns is awaited before the response is returned:
   * a request is acknowledged only once its audit record is written (when the sink writes at once);
   * if it rejects, a success is answered KMSInternalException instead (an error answer stays).
   */
  onComplete?(completion: Completion<Ctx>): void | Promise<void>;
  /** A success answered KMSInternalException after all, its onComplete promise having rejected (metrics). */
  onUnacknowledged?(operation: string | undefined): void;
}

/** How a request ended, for onComplete. */
export interface Completion<Ctx> {
  request: WireRequest;
  requestId: string;
  /** The name after `TrentService.`, when the target has that form (the model may not know it). */
  operation: string | undefined;
  /** The decoded input; undefined when the body did not parse or validate. */
  input: unknown;
  output: object | void | undefined;
  /** The error sent to the caller (internal errors already replaced by KMSInternalException). */
  error: KmsError | undefined;
  /** The operation's context, when one was made. */
  ctx: Ctx | undefined;
  /** Time from dispatch to the response (ms). */
  durationMs: number;
}

const TARGET_PREFIX = 'TrentService.';
const JSON_TYPE = 'application/x-amz-json-1.1';

export async function dispatch<Ctx>(request: WireRequest, hooks: DispatchHooks<Ctx>): Promise<WireResponse> {
  const started = performance.now();
  const requestId = request.requestId ?? randomUUID();
  const headers = { 'Content-Type': JSON_TYPE, 'x-amzn-RequestId': requestId };
  let operationName: string | undefined;
  let input: unknown;
  let output: object | void | undefined;
  let ctx: Ctx | undefined;
  let response: WireResponse;
  let failure: KmsError | undefined;
  try {
    operationName = operationOf(request.target);
    if (!acceptedContentType(request.contentType)) throw new UnknownOperationException();
    // Own properties only: `TrentService.constructor` or `.valueOf` name no operation.
    const run = Object.hasOwn(hooks.operations, operationName) ? hooks.operations[operationName] : undefined;
    const spec = Object.hasOwn(model.operations, operationName) ? model.operations[operationName] : undefined;
    if (!run || !spec) throw new UnknownOperationException();
    input = decodeInput(spec.input, parseBody(request.body));
    const refused = hooks.admit?.(operationName);
    if (refused) throw refused;
    ctx = hooks.context({ caller: request.caller, region: request.region, requestId });
    output = await run(input as never, ctx);
    // Operations without output answer 200 with an empty body, as AWS does.
    const body = spec.output && output ? outputJson(output, spec.output) : '';
    response = { statusCode: 200, headers, body };
  } catch (error) {
    const classified = error instanceof KmsError ? error : hooks.classifyError?.(error, operationName);
    failure = classified ?? new KMSInternalException();
    if (!classified) hooks.onInternalError(error, operationName);
    response = { statusCode: failure.statusCode, headers, body: errorBody(failure) };
  }
  if (hooks.onComplete) {
    const recorded = hooks.onComplete({
      request,
      requestId,
      operation: operationName,
      input,
      output,
      error: failure,
      ctx,
      durationMs: performance.now() - started,
    });
    if (recorded) {
      try {
        await recorded;
      } catch {
        // The audit record is not durable (its sink reported why): a success is not acknowledged. An
        // error answer acknowledges nothing and stays.
        if (failure === undefined) {
          const unrecorded = new KMSInternalException();
          response = { statusCode: unrecorded.statusCode, headers, body: errorBody(unrecorded) };
          hooks.onUnacknowledged?.(operationName);
        }
      }
    }
  }
  return response;
}

/** The operation a target names (`TrentService.<name>`); undefined for any other target. */
export function operationNameOf(target: string | undefined): string | undefined {
  return target?.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
}

function operationOf(target: string | undefined): string {
  const name = operationNameOf(target);
  if (name === undefined) throw new UnknownOperationException();
  return name;
}

/**
 * AWS's JSON services answer UnknownOperationException (no message) to a body of another media type,
 * e.g. application/octet-stream; parameters such as `; charset=utf-8` are ignored (Smithy's protocol
 * tests). Accepted: AWS JSON 1.1, plain JSON, and no Content-Type at all.
 */
function acceptedContentType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType === JSON_TYPE) return true; // what the SDKs send, as sent
  const media = mediaType(contentType);
  return media === JSON_TYPE || media === 'application/json';
}

function parseBody(body: string): unknown {
  let parsed: unknown;
  try {
    // An empty body is treated as `{}`, as AWS does for operations without required members. (A body that
    // starts with `{` is not blank: no trimmed copy of it is made.)
    parsed = body.charCodeAt(0) !== 123 && body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new SerializationException('Invalid JSON in request body');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SerializationException('Request body must be a JSON object');
  }
  return parsed;
}
