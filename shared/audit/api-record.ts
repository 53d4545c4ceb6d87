/**
 * The CloudTrail record of one API call (KMS-REFERENCE §11): eventType AwsApiCall, who (userIdentity
 * derived from the authenticated principal ARN), from where (source IP, user agent, VPC endpoint), what
 * (eventName, requestParameters without secrets, see ./redact.ts), on which keys (resources), and how it
 * ended (errorCode and errorMessage on failure).
 *
 * Choices where AWS is silent or where we cannot match it:
 * - responseElements is null for read-only operations (crypto, Describe/Get/List), as CloudTrail shows
 *   them; for operations that change something it holds the response's safe members (e.g. CreateKey's
 *   keyMetadata, ScheduleKeyDeletion's deletionDate), blobs, sensitive members and grant tokens dropped.
 * - principalId: AWS shows the principal's unique id (AIDA.../AROA...), which this service does not
 *   have; we show a stable pseudo id derived from the principal ARN with the same prefixes.
 * - resources: the keys the request resolved (ctx.trail), else the key named in the response (CreateKey).
 * - eventTime has whole seconds, as CloudTrail's.
 *
 * Built on the request path, so: no spreads, per-principal identities and per-second times cached. In
 * Lambda the record is serialised later (batched by the sink); locally each request's line is written
 * straight from its completed call (ApiCallLine), with no record object in between.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { KeyRecord } from '../core/types.js';
import type { AuditRecord } from '../core/sinks.js';
import type { Caller } from '../core/caller.js';
import type { Clock } from '../core/environment.js';
import { model } from '../model/model.js';
import { safeRequestParameters, safeResponseElements, writeSafeRequestParameters, type Amendment } from './redact.js';
import { repeatedJsonMember } from '../core/json-text.js';
import { LineWriter } from './line-writer.js';

/** What an API call's record is made of (filled by the API handler from the dispatcher's completion). */
export interface ApiCall {
  /** The operation the target names (may be unknown to the model: UnknownOperationException). */
  operation: string | undefined;
  caller: Caller;
  region: string;
  requestId: string;
  /** The decoded input, when decoding succeeded. */
  input: unknown;
  output: unknown;
  /** The AWS exception name and message, on failure. */
  errorCode?: string;
  errorMessage?: string;
  /** Keys the request resolved (OperationContext.trail). */
  keys: readonly KeyRecord[] | undefined;
  time: Date;
  /** The record's eventID when it has one already (an ApiCallLine's); else a new one. */
  eventId?: string;
}

const CRYPTO_OPERATIONS = new Set([
  'Encrypt', 'Decrypt', 'ReEncrypt', 'GenerateDataKey', 'GenerateDataKeyWithoutPlaintext', 'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext', 'GenerateRandom', 'GenerateMac', 'VerifyMac', 'Sign', 'Verify', 'DeriveSharedSecret',
]);

/** Operations that change nothing: cryptographic ones and Describe/Get/List (CloudTrail's readOnly). */
export function isReadOnly(operation: string): boolean {
  return CRYPTO_OPERATIONS.has(operation) || /^(Describe|Get|List)/.test(operation);
}
const readOnlyCache = new Map<string, boolean>();
function readOnly(operation: string): boolean {
  let value = readOnlyCache.get(operation);
  if (value === undefined) {
    value = isReadOnly(operation);
    if (model.operations[operation]) readOnlyCache.set(operation, value);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------
// userIdentity

export type UserIdentity = Record<string, unknown>;

const pseudoId = (prefix: string, arn: string) =>
  prefix + createHash('sha256').update(arn).digest('base64').replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(0, 17);

/** CloudTrail's userIdentity for a principal ARN: Root, IAMUser, AssumedRole (with sessionContext). */
export function userIdentityOf(caller: Caller): UserIdentity {
  const arn = caller.principalArn;
  const account = caller.account;
  const root = /^arn:aws[\w-]*:iam::(\d{12}):root$/.exec(arn);
  if (root) return { type: 'Root', principalId: account, arn, accountId: account, accessKeyId: caller.accessKeyId };
  const user = /^arn:aws[\w-]*:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (user) {
    return { type: 'IAMUser', principalId: pseudoId('AIDA', arn), arn, accountId: account, accessKeyId: caller.accessKeyId, userName: user[2] };
  }
  const session = /^(arn:aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (session) {
    const roleArn = `${session[1]}:iam::${session[2]}:role/${session[3]}`;
    const roleId = pseudoId('AROA', roleArn);
    return {
      type: 'AssumedRole',
      principalId: `${roleId}:${session[4]}`,
      arn,
      accountId: account,
      accessKeyId: caller.accessKeyId,
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: roleId, arn: roleArn, accountId: session[2], userName: session[3] },
        attributes: { mfaAuthenticated: 'false' },
      },
    };
  }
  return { type: 'Unknown', principalId: pseudoId('AIDA', arn), arn, accountId: account, accessKeyId: caller.accessKeyId };
}

/**
 * Identities per principal and access key: a handful of principals make nearly all calls. Two levels,
 * so that a lookup hashes the caller's own (cached) strings rather than a key made for each request.
 */
const identities = new Map<string, Map<string | undefined, UserIdentity>>();
let identityCount = 0;
function identityFor(caller: Caller): UserIdentity {
  let byAccessKey = identities.get(caller.principalArn);
  let identity = byAccessKey?.get(caller.accessKeyId);
  if (!identity) {
    if (identityCount >= 10_000) {
      identities.clear();
      identityCount = 0;
      byAccessKey = undefined;
    }
    if (!byAccessKey) identities.set(caller.principalArn, (byAccessKey = new Map()));
    identity = Object.freeze(userIdentityOf(caller));
    byAccessKey.set(caller.accessKeyId, identity);
    identityCount++;
  }
  return identity;
}

// ---------------------------------------------------------------------------------------------------
// eventTime: whole seconds, formatted once per second

let cachedSecond = -1;
let cachedTime = '';
export function eventTimeOf(time: Date): string {
  const ms = time.getTime();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedTime = new Date(second * 1000).toISOString().slice(0, 19) + 'Z';
    cachedSecond = second;
  }
  return cachedTime;
}

// ---------------------------------------------------------------------------------------------------

/**
 * A lone key's resources, kept per key record: a warm key is the same (cached, never changed) record
 * request after request, so its list (and the list's JSON, below) is made once.
 */
const loneKeyResources = new WeakMap<KeyRecord, Resource[]>();

function resourcesOf(keys: readonly KeyRecord[] | undefined, output: unknown): Resource[] | undefined {
  if (keys && keys.length > 0) {
    const first = keys[0]!;
    if (keys.length === 1) {
      let resources = loneKeyResources.get(first);
      if (resources === undefined) {
        resources = Object.freeze([Object.freeze({ accountId: first.account, type: 'AWS::KMS::Key', ARN: first.arn })]) as Resource[];
        loneKeyResources.set(first, resources);
      }
      return resources;
    }
    const resources = [{ accountId: first.account, type: 'AWS::KMS::Key', ARN: first.arn }];
    for (let i = 1; i < keys.length; i++) {
      const key = keys[i]!;
      if (!resources.some((r) => r.ARN === key.arn)) resources.push({ accountId: key.account, type: 'AWS::KMS::Key', ARN: key.arn });
    }
    return resources;
  }
  // CreateKey resolves no key: the response names it.
  const arn = (output as { KeyMetadata?: { Arn?: unknown; AWSAccountId?: unknown } } | undefined)?.KeyMetadata;
  if (arn && typeof arn.Arn === 'string') {
    return [{ accountId: String(arn.AWSAccountId ?? arn.Arn.split(':')[4]), type: 'AWS::KMS::Key', ARN: arn.Arn }];
  }
  return undefined;
}

const MAX_EVENT_NAME = 128;

const isKnown = (operation: string | undefined): operation is string => operation !== undefined && model.operations[operation] !== undefined;
const eventNameOf = (operation: string | undefined) => (isKnown(operation) ? operation : (operation ?? '').slice(0, MAX_EVENT_NAME) || 'Unknown');

/** Decrypt's parameters as CloudTrail shows them: the key the ciphertext named (its ARN) and always the algorithm. */
const DEFAULT_ALGORITHM = { wire: 'EncryptionAlgorithm', value: 'SYMMETRIC_DEFAULT' };
const NO_KEY_DECRYPT: Amendment = { orElse: DEFAULT_ALGORITHM };
const keyDecrypts = new WeakMap<KeyRecord, Amendment>();
function amendmentOf(operation: string, keys: readonly KeyRecord[] | undefined): Amendment | undefined {
  if (operation !== 'Decrypt') return undefined;
  if (!keys || keys.length === 0) return NO_KEY_DECRYPT;
  const key = keys[0]!;
  let amendment = keyDecrypts.get(key);
  if (amendment === undefined) keyDecrypts.set(key, (amendment = { set: { wire: 'KeyId', value: key.arn }, orElse: DEFAULT_ALGORITHM }));
  return amendment;
}

/** The CloudTrail record of one API call. */
export function apiCallRecord(call: ApiCall): AuditRecord {
  const operation = call.operation;
  const known = isKnown(operation);
  const isReadOnly = known && readOnly(operation);
  const requestParameters = known && call.input !== undefined ? safeRequestParameters(operation, call.input, amendmentOf(operation, call.keys)) : null;
  const failed = call.errorCode !== undefined;
  const responseElements = responseElementsOf(operation, known, isReadOnly, failed, call.output);
  const resources = resourcesOf(call.keys, failed ? undefined : call.output);
  return new ApiCallRecord(call, eventNameOf(operation), isReadOnly, requestParameters, responseElements, resources) as unknown as AuditRecord;
}

/** What changed, for an operation that changes something and succeeded (CloudTrail shows null otherwise). */
const responseElementsOf = (operation: string | undefined, known: boolean, readOnly: boolean, failed: boolean, output: unknown) =>
  known && !readOnly && !failed ? safeResponseElements(operation!, output) : null;

/** The errorMessage of a failure: none when it has no message. */
const errorMessageOf = (error: { message: string } | undefined) => (error && error.message !== '' ? error.message : undefined);

type Resource = { accountId: string; type: string; ARN: string };

/**
 * A class rather than a literal so that `auditLine` can recognise it and serialise it from cached parts
 * (the identity and a lone resource are the same for many records): JSON.stringify of a whole record
 * costs microseconds. Own enumerable properties in CloudTrail's order, so JSON.stringify gives the same text.
 */
export class ApiCallRecord {
  readonly eventVersion = '1.08';
  userIdentity: UserIdentity;
  eventTime: string;
  readonly eventSource = 'kms.amazonaws.com';
  eventName: string;
  awsRegion: string;
  sourceIPAddress: string | null;
  userAgent: string | null;
  errorCode: string | undefined;
  errorMessage: string | undefined;
  requestParameters: Record<string, unknown> | null;
  responseElements: Record<string, unknown> | null;
  requestID: string;
  eventID: string;
  readOnly: boolean;
  resources: Resource[] | undefined;
  readonly eventType = 'AwsApiCall';
  readonly managementEvent = true;
  recipientAccountId: string;
  vpcEndpointId: string | undefined;
  readonly eventCategory = 'Management';

  constructor(
    call: ApiCall,
    eventName: string,
    readOnly: boolean,
    requestParameters: Record<string, unknown> | null,
    responseElements: Record<string, unknown> | null,
    resources: Resource[] | undefined,
  ) {
    const caller = call.caller;
    this.userIdentity = identityFor(caller);
    this.eventTime = eventTimeOf(call.time);
    this.eventName = eventName;
    this.awsRegion = call.region;
    this.sourceIPAddress = caller.sourceIp ?? null;
    this.userAgent = caller.userAgent ?? null;
    this.errorCode = call.errorCode;
    this.errorMessage = call.errorMessage;
    this.requestParameters = requestParameters;
    this.responseElements = responseElements;
    this.requestID = call.requestId;
    this.eventID = call.eventId ?? randomUUID();
    this.readOnly = readOnly;
    this.resources = resources;
    this.recipientAccountId = caller.account;
    this.vpcEndpointId = caller.vpceId;
  }

  /**
   * The record's JSON line (without its newline) into `out`, equal to JSON.stringify(this)
   * (tests/unit/audit-record.test.ts): the parts that repeat from record to record as bytes made once,
   * the rest (parameters, ids) written as JSON into the buffer.
   */
  writeTo(out: LineWriter): void {
    writeHead(out, this.userIdentity, this.eventTime, this.eventName, this.awsRegion, this.sourceIPAddress, this.userAgent);
    writeError(out, this.errorCode, this.errorMessage);
    out.bytes(REQUEST_PARAMETERS);
    out.json(this.requestParameters);
    writeResponseAndIds(out, this.responseElements, this.requestID, this.eventID);
    writeTail(out, this.readOnly, this.resources, this.recipientAccountId, this.vpcEndpointId);
  }
}

/**
 * The audit line of a completed call, written from the call itself: JSON.stringify(apiCallRecordOf(...))
 * with its eventID and time, without the record or its parameters' object in between (the local
 * runtime's group commit encodes its lines together, just before it writes them;
 * tests/unit/audit-record.test.ts checks the two agree). `record()` makes the record itself, for a sink
 * that takes records (the outbox).
 */
export class ApiCallLine {
  private id: string | undefined;
  readonly eventTime: string;

  constructor(
    private readonly done: CompletedCall,
    private readonly time: Date,
  ) {
    this.eventTime = eventTimeOf(time);
  }

  /** Made when first asked for: the sink writes a group's lines together, and their ids with them. */
  get eventID(): string {
    return (this.id ??= randomUUID());
  }

  writeTo(out: LineWriter): void {
    const done = this.done;
    const caller = done.request.caller;
    const operation = done.operation;
    const known = isKnown(operation);
    const isReadOnly = known && readOnly(operation);
    const error = done.error;
    const keys = done.ctx?.trail?.keys;
    writeHead(out, identityFor(caller), this.eventTime, eventNameOf(operation), done.request.region, caller.sourceIp ?? null, caller.userAgent ?? null);
    if (error !== undefined) writeError(out, error.type, errorMessageOf(error));
    out.bytes(REQUEST_PARAMETERS);
    if (known && done.input !== undefined) writeSafeRequestParameters(out, operation, done.input, amendmentOf(operation, keys));
    else out.ascii('null');
    const failed = error !== undefined;
    writeResponseAndIds(out, responseElementsOf(operation, known, isReadOnly, failed, done.output), done.requestId, this.eventID);
    writeTail(out, isReadOnly, resourcesOf(keys, failed ? undefined : done.output), caller.account, caller.vpceId);
  }

  record(): AuditRecord {
    return apiCallRecordOf(this.done, this.time, this.eventID);
  }
}

function writeError(out: LineWriter, code: string | undefined, message: string | undefined): void {
  if (code !== undefined) {
    out.bytes(ERROR_CODE);
    out.json(code);
  }
  if (message !== undefined) {
    out.bytes(ERROR_MESSAGE);
    out.json(message);
  }
}

function writeResponseAndIds(out: LineWriter, responseElements: Record<string, unknown> | null, requestId: string, eventId: string): void {
  // (Read-only operations, most calls, have none: the two members' names and the null in one piece.)
  if (responseElements === null) out.bytes(NO_RESPONSE_ELEMENTS);
  else {
    out.bytes(RESPONSE_ELEMENTS);
    out.json(responseElements);
    out.bytes(REQUEST_ID);
  }
  out.json(requestId);
  out.bytes(EVENT_ID);
  out.ascii(eventId); // a UUID
}

/**
 * The members from eventVersion to userAgent, and those from readOnly to the end, are each copied as
 * one piece once a record repeats the one before in all of them (one caller calling one operation,
 * within one second): one copy into the line instead of six, and of three to five. A record that
 * differs writes them one by one, as records of callers taking turns do, with no piece made for them.
 */
let head: { identity: UserIdentity; time: string; name: string; region: string; ip: string | null; agent: string | null; bytes?: Buffer } | undefined;
function writeHead(out: LineWriter, identity: UserIdentity, time: string, name: string, region: string, ip: string | null, agent: string | null): void {
  const h = head;
  if (h !== undefined && h.identity === identity && h.time === time && h.name === name && h.region === region && h.ip === ip && h.agent === agent) {
    out.bytes((h.bytes ??= Buffer.concat(headPieces(identity, time, name, region, ip, agent))));
    return;
  }
  for (const piece of headPieces(identity, time, name, region, ip, agent)) out.bytes(piece);
  // Only a cached (frozen) identity is the same object from record to record.
  head = Object.isFrozen(identity) ? { identity, time, name, region, ip, agent } : undefined;
}
const headPieces = (identity: UserIdentity, time: string, name: string, region: string, ip: string | null, agent: string | null): Buffer[] => [
  identityBytes(identity), eventTimeBytes(time), eventNameMember(name), regionMember(region), sourceIpMember(ip), userAgentMember(agent),
];

/** The members from readOnly to the end, kept as writeHead keeps the first ones. */
let tail: { readOnly: boolean; resources: Resource[] | undefined; recipient: string; vpce: string | undefined; bytes?: Buffer } | undefined;
function writeTail(out: LineWriter, readOnly: boolean, resources: Resource[] | undefined, recipient: string, vpce: string | undefined): void {
  const t = tail;
  if (t !== undefined && t.readOnly === readOnly && t.resources === resources && t.recipient === recipient && t.vpce === vpce) {
    out.bytes((t.bytes ??= Buffer.concat(tailPieces(readOnly, resources, recipient, vpce))));
    return;
  }
  for (const piece of tailPieces(readOnly, resources, recipient, vpce)) out.bytes(piece);
  // Only the frozen resources of a lone key are the same list from record to record.
  tail = resources === undefined || Object.isFrozen(resources) ? { readOnly, resources, recipient, vpce } : undefined;
}
function tailPieces(readOnly: boolean, resources: Resource[] | undefined, recipient: string, vpce: string | undefined): Buffer[] {
  const pieces: Buffer[] = [readOnly ? READ_ONLY : NOT_READ_ONLY];
  if (resources !== undefined) pieces.push(resourcesBytes(resources));
  pieces.push(recipientMember(recipient));
  if (vpce !== undefined) pieces.push(vpcEndpointMember(vpce));
  pieces.push(LAST_MEMBER);
  return pieces;
}

const ERROR_CODE = Buffer.from(',"errorCode":');
const ERROR_MESSAGE = Buffer.from(',"errorMessage":');
const REQUEST_PARAMETERS = Buffer.from(',"requestParameters":');
const RESPONSE_ELEMENTS = Buffer.from(',"responseElements":');
const REQUEST_ID = Buffer.from(',"requestID":');
const NO_RESPONSE_ELEMENTS = Buffer.from(',"responseElements":null,"requestID":');
const EVENT_ID = Buffer.from(',"eventID":"');
const READ_ONLY = Buffer.from('","readOnly":true');
const NOT_READ_ONLY = Buffer.from('","readOnly":false');

/** `{"eventVersion":"1.08","userIdentity":{...},"eventTime":"`, kept per cached (frozen) identity. */
const keptIdentityBytes = new WeakMap<object, Buffer>();
function identityBytes(identity: UserIdentity): Buffer {
  let bytes = keptIdentityBytes.get(identity);
  if (bytes === undefined) {
    bytes = Buffer.from('{"eventVersion":"1.08","userIdentity":' + JSON.stringify(identity) + ',"eventTime":"');
    // Only the cached identities are frozen (never changed after): their bytes can be kept.
    if (Object.isFrozen(identity)) keptIdentityBytes.set(identity, bytes);
  }
  return bytes;
}

/** The event time (digits, '-', ':', 'T', 'Z': no escaping) and the event source; one second's kept. */
let lastEventTime = '';
let lastEventTimeBytes = Buffer.alloc(0);
function eventTimeBytes(eventTime: string): Buffer {
  if (eventTime !== lastEventTime) {
    lastEventTimeBytes = Buffer.from(eventTime + '","eventSource":"kms.amazonaws.com"');
    lastEventTime = eventTime;
  }
  return lastEventTimeBytes;
}

const eventNameMember = repeatedJsonMember(',"eventName":');
const regionMember = repeatedJsonMember(',"awsRegion":');
const sourceIpMember = repeatedJsonMember(',"sourceIPAddress":');
const userAgentMember = repeatedJsonMember(',"userAgent":');
const recipientMember = repeatedJsonMember(',"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":');
const vpcEndpointMember = repeatedJsonMember(',"vpcEndpointId":');
const LAST_MEMBER = Buffer.from(',"eventCategory":"Management"}');

/** `,"resources":[...]`, kept for the frozen lists of one key's resources (resourcesOf): they never change. */
const keptResourceBytes = new WeakMap<Resource[], Buffer>();
function resourcesBytes(resources: Resource[]): Buffer {
  let bytes = keptResourceBytes.get(resources);
  if (bytes === undefined) {
    bytes = Buffer.from(',"resources":' + JSON.stringify(resources));
    if (Object.isFrozen(resources)) keptResourceBytes.set(resources, bytes);
  }
  return bytes;
}

/** One audit record as a JSON line (and its newline) into `out`: API records from kept parts, any other as JSON.stringify writes it. */
export function writeAuditLine(out: LineWriter, record: AuditRecord): void {
  if (record instanceof ApiCallRecord) record.writeTo(out);
  else out.text(JSON.stringify(record));
  out.newline();
}

const scratch = new LineWriter(4096);

/** One audit record as a JSON line's text: API records from cached parts, any other with JSON.stringify. */
export function auditLine(record: AuditRecord): string {
  if (!(record instanceof ApiCallRecord)) return JSON.stringify(record);
  record.writeTo(scratch.reset());
  return scratch.contents().toString('utf8');
}

/** What the dispatcher knows of a completed request (its Completion, structurally). */
export interface CompletedCall {
  operation: string | undefined;
  request: { caller: Caller; region: string };
  requestId: string;
  input: unknown;
  output: unknown;
  error: { type: string; message: string } | undefined;
  ctx: { clock: Clock; trail?: { keys: KeyRecord[] } } | undefined;
}

/** The audit record of a request the dispatcher completed (at `time`, with `eventId`: an ApiCallLine's). */
export function apiCallRecordOf(done: CompletedCall, time?: Date, eventId?: string) {
  const error = done.error;
  return apiCallRecord({
    operation: done.operation,
    caller: done.request.caller,
    region: done.request.region,
    requestId: done.requestId,
    input: done.input,
    output: done.output,
    errorCode: error?.type,
    errorMessage: errorMessageOf(error),
    keys: done.ctx?.trail?.keys,
    time: time ?? completedAt(done),
    eventId,
  });
}

/** When a completed call's record says it happened (its context's clock: injected in tests). */
export const completedAt = (done: CompletedCall): Date => (done.ctx ? done.ctx.clock.now() : new Date());
