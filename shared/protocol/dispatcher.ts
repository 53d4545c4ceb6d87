/**
 * AWS JSON 1.1 request handling, independent of Lambda: reads X-Amz-Target, parses and validates the
 * body against the model, runs the operation, encodes the result, and turns every failure into the
 * `{__type, message}` body AWS sends. Anything that is not a KmsError becomes KMSInternalException and is
 * logged with its cause, never shown to the caller.
 */
import { randomUUID } from 'node:crypto';
import { errorBody, KmsError, KMSInternalException, SerializationException, UnknownOperationException } from './errors.js';
import { model } from './model.js';
import { decodeInput, encodeOutput } from './validation.js';

export interface Caller {
  account: string;
  /** The authenticated principal: account root, IAM user or role, or an assumed-role session. */
  principalArn: string;
  accessKeyId?: string;
  sourceIp?: string;
  /** The VPC endpoint a request came through (API Gateway private APIs), for aws:SourceVpce. */
  vpceId?: string;
}

export interface WireRequest {
  target: string | undefined;
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

export interface RequestScope {
  caller: Caller;
  region: string;
  requestId: string;
}

export type Operation<Ctx> = (input: never, ctx: Ctx) => Promise<object | void>;

export interface DispatchHooks<Ctx> {
  operations: Readonly<Record<string, Operation<Ctx>>>;
  context(scope: RequestScope): Ctx;
  onInternalError(error: unknown, operation: string | undefined): void;
}

const TARGET_PREFIX = 'TrentService.';
const JSON_TYPE = 'application/x-amz-json-1.1';

export async function dispatch<Ctx>(request: WireRequest, hooks: DispatchHooks<Ctx>): Promise<WireResponse> {
  const requestId = request.requestId ?? randomUUID();
  const headers = { 'Content-Type': JSON_TYPE, 'x-amzn-RequestId': requestId };
  let operationName: string | undefined;
  try {
    operationName = operationOf(request.target);
    const run = hooks.operations[operationName];
    const spec = model.operations[operationName];
    if (!run || !spec) throw new UnknownOperationException();
    const input = decodeInput(spec.input, parseBody(request.body));
    const output = await run(input as never, hooks.context({ caller: request.caller, region: request.region, requestId }));
    // Operations without output answer 200 with an empty body, as AWS does.
    const body = spec.output && output ? JSON.stringify(encodeOutput(output)) : '';
    return { statusCode: 200, headers, body };
  } catch (error) {
    const kmsError = error instanceof KmsError ? error : new KMSInternalException();
    if (!(error instanceof KmsError)) hooks.onInternalError(error, operationName);
    return { statusCode: kmsError.statusCode, headers, body: errorBody(kmsError) };
  }
}

function operationOf(target: string | undefined): string {
  if (!target || !target.startsWith(TARGET_PREFIX)) throw new UnknownOperationException();
  return target.slice(TARGET_PREFIX.length);
}

function parseBody(body: string): unknown {
  let parsed: unknown;
  try {
    // An empty body is treated as `{}`, as AWS does for operations without required members.
    parsed = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new SerializationException('Invalid JSON in request body');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SerializationException('Request body must be a JSON object');
  }
  return parsed;
}
