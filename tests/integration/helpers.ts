/**
 * Shared helpers for the HTTP integration tests (`tests/integration/kms-*.test.ts`).
 *
 * Every test talks to a running service at `KMS_ENDPOINT` with the real AWS SDK (`@aws-sdk/client-kms`)
 * or, for input the SDK cannot produce (wrong JSON types, missing required members, unknown targets), with
 * `rawCall`, a SigV4-signed `fetch`. The expectations encode what real AWS KMS does (see
 * /work/shared/KMS-REFERENCE.md); they are not a description of our implementation.
 *
 * Test files run in parallel against one shared service and database, so every test creates its own keys
 * and uses random alias names, and no test assumes that a listing holds only its own resources.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { KMS, type CreateKeyCommandInput, type KeyMetadata } from '@aws-sdk/client-kms';
import { signHeaders } from '../support/sign.js';

/** The account of the default caller (test/test, the root of AWS documentation's example account). */
export const ACCOUNT = '111122223333';
export const REGION = 'us-east-1';
export const OTHER_REGION = 'eu-west-1';

/** Lower-case UUID, the shape of a single-Region key ID. */
export const KEY_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** KeyMaterialId / CurrentKeyMaterialId: exactly 64 lowercase hex characters (KMS-REFERENCE §4). */
export const KEY_MATERIAL_ID_RE = /^[0-9a-f]{64}$/;
export const DRY_RUN_MESSAGE = 'The request would have succeeded, but the DryRun option is set.';
/** [obs] IncorrectKeyException message. */
export const INCORRECT_KEY_MESSAGE = 'The key ID in the request does not identify a CMK that can perform this operation.';

export function endpoint(): string {
  const value = process.env.KMS_ENDPOINT;
  if (!value) {
    throw new Error('KMS_ENDPOINT is not set: start the local service and export KMS_ENDPOINT=http://host:port');
  }
  return value;
}

const clients = new Map<string, KMS>();

/**
 * A KMS client for `region`. `KMS` is the aggregated client (it extends `KMSClient`), so tests can call
 * `kms().describeKey({...})`. `maxAttempts: 1`: a 5xx must show up as a failure instead of being retried.
 */
export function kms(region: string = REGION): KMS {
  let client = clients.get(region);
  if (!client) {
    client = new KMS({
      endpoint: endpoint(),
      region,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    clients.set(region, client);
  }
  return client;
}

export const keyArn = (keyId: string, region: string = REGION): string => `arn:aws:kms:${region}:${ACCOUNT}:key/${keyId}`;
export const aliasArn = (aliasName: string, region: string = REGION): string => `arn:aws:kms:${region}:${ACCOUNT}:${aliasName}`;

/** A fresh alias name (`alias/it-<tag>-<uuid>`), unique across parallel test files and runs. */
export function uniqueAlias(tag = 'x'): string {
  return `alias/it-${tag}-${randomUUID()}`;
}

/** A well-formed key ID that no key has. */
export function unknownKeyId(): string {
  return randomUUID();
}

export const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

export function assertBytesEqual(actual: Uint8Array | undefined, expected: Uint8Array, what = 'bytes'): void {
  assert.ok(actual, `${what}: missing`);
  assert.ok(Buffer.from(actual).equals(Buffer.from(expected)), `${what}: content differs`);
}

/** Creates a key (symmetric by default) and returns its KeyMetadata. */
export async function createKey(input: CreateKeyCommandInput = {}, region: string = REGION): Promise<KeyMetadata> {
  const out = await kms(region).createKey(input);
  assert.ok(out.KeyMetadata, 'CreateKey returned no KeyMetadata');
  assert.ok(out.KeyMetadata.KeyId, 'CreateKey returned no KeyId');
  return out.KeyMetadata;
}

export async function describeKey(keyId: string, region: string = REGION): Promise<KeyMetadata> {
  const out = await kms(region).describeKey({ KeyId: keyId });
  assert.ok(out.KeyMetadata);
  return out.KeyMetadata;
}

/** Creates an alias with a fresh name for `keyId` and returns the alias name. */
export async function createAlias(keyId: string, region: string = REGION, tag = 'x'): Promise<string> {
  const name = uniqueAlias(tag);
  await kms(region).createAlias({ AliasName: name, TargetKeyId: keyId });
  return name;
}

interface SdkError {
  name: string;
  message: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: string;
}

/**
 * Awaits a promise that must reject with the AWS exception `name` (the SDK copies `__type` there) and
 * HTTP status 400 (real KMS answers every client error with 400, KMS-REFERENCE §2). `message` is compared
 * exactly when a string is given, matched when a RegExp is given, and not checked when omitted (use that
 * when AWS's wording is unverified).
 */
export async function expectKmsError(
  promise: Promise<unknown>,
  name: string,
  message?: string | RegExp,
  status = 400,
): Promise<SdkError> {
  let error: SdkError | undefined;
  try {
    await promise;
  } catch (caught) {
    error = caught as SdkError;
  }
  assert.ok(error, `expected ${name}, but the call succeeded`);
  const got = `${error.name}: ${error.message} (HTTP ${error.$metadata?.httpStatusCode})`;
  assert.equal(error.name, name, `expected ${name}, got ${got}`);
  assert.equal(error.$metadata?.httpStatusCode, status, `expected HTTP ${status} for ${got}`);
  if (typeof message === 'string') assert.equal(error.message, message, `message of ${name}`);
  else if (message) assert.match(error.message, message, `message of ${name}`);
  return error;
}

/**
 * For cases where AWS's exact exception is unverified: the call must fail as a client error (HTTP 400,
 * never a success and never a 5xx). Returns the error for further, softer checks.
 */
export async function expectClientError(promise: Promise<unknown>): Promise<SdkError> {
  let error: SdkError | undefined;
  try {
    await promise;
  } catch (caught) {
    error = caught as SdkError;
  }
  assert.ok(error, 'expected a client error, but the call succeeded');
  assert.equal(
    error.$metadata?.httpStatusCode,
    400,
    `expected HTTP 400, got ${error.$metadata?.httpStatusCode} (${error.name}: ${error.message})`,
  );
  return error;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  json: Record<string, unknown> | undefined;
}

export interface RawOptions {
  region?: string;
  /** Extra or overriding headers (added before signing). */
  headers?: Record<string, string>;
  /** Leave out X-Amz-Target entirely. */
  omitTarget?: boolean;
  /** Send without a SigV4 signature. */
  unsigned?: boolean;
}

/**
 * A SigV4-signed AWS JSON 1.1 request, for input the SDK would never send. `target` is an operation name
 * (`DescribeKey`, sent as `TrentService.DescribeKey`) or a full target when it contains a dot. `body` is
 * JSON-encoded unless it is already a string (so malformed JSON can be sent).
 */
export async function rawCall(target: string, body: unknown, opts: RawOptions = {}): Promise<RawResponse> {
  const url = new URL(endpoint());
  const region = opts.region ?? REGION;
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    ...(opts.omitTarget ? {} : { 'x-amz-target': target.includes('.') ? target : `TrentService.${target}` }),
    ...(opts.headers ?? {}),
  };
  const signed = opts.unsigned
    ? { path: url.pathname || '/', headers }
    : await signHeaders({ endpoint: endpoint(), body: payload, headers, region });
  const sendHeaders = { ...signed.headers };
  delete sendHeaders.host; // fetch sets Host itself and refuses to override it
  const response = await fetch(new URL(signed.path, url), { method: 'POST', headers: sendHeaders, body: payload });
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Asserts that a raw response is the AWS error `type` (HTTP 400 unless given) and returns its body. */
export function expectRawError(res: RawResponse, type: string, message?: string | RegExp, status = 400): Record<string, unknown> {
  assert.equal(res.status, status, `expected HTTP ${status} ${type}, got ${res.status}: ${res.text}`);
  assert.ok(res.json, `error body is not a JSON object: ${res.text}`);
  assert.equal(res.json.__type, type, `expected __type ${type}, got ${res.text}`);
  if (typeof message === 'string') assert.equal(res.json.message, message);
  else if (message) assert.match(String(res.json.message), message);
  return res.json;
}

/** Builds the AWS validation message for one failed constraint (KMS-REFERENCE §2, [obs] format). */
export function validationMessage(path: string, value: string | number | null | undefined, rule: string): string {
  const shown = value === undefined ? 'Value' : value === null ? 'Value null' : `Value '${value}'`;
  return `1 validation error detected: ${shown} at '${path}' failed to satisfy constraint: Member must ${rule}`;
}

/**
 * Walks every page of a Limit/Marker listing, checking the AWS pagination contract on each page:
 * at most `limit` items, `Truncated` always a boolean, `NextMarker` present exactly when `Truncated`.
 */
export async function walkPages<T>(
  fetchPage: (marker: string | undefined) => Promise<{ items: T[] | undefined; NextMarker?: string; Truncated?: boolean }>,
  limit?: number,
  maxPages = 10_000,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let marker: string | undefined;
  for (let pages = 1; pages <= maxPages; pages++) {
    const page = await fetchPage(marker);
    assert.ok(Array.isArray(page.items), 'page without a list');
    if (limit !== undefined) assert.ok(page.items.length <= limit, `page has ${page.items.length} items, Limit was ${limit}`);
    assert.equal(typeof page.Truncated, 'boolean', 'Truncated must be present on every page');
    if (page.Truncated) {
      assert.ok(page.NextMarker, 'Truncated page without NextMarker');
    } else {
      assert.equal(page.NextMarker, undefined, 'NextMarker present although Truncated is false');
    }
    items.push(...page.items);
    if (!page.Truncated) return { items, pages };
    marker = page.NextMarker;
  }
  assert.fail(`listing did not end within ${maxPages} pages`);
}

export async function listAllKeys(region: string = REGION, limit?: number) {
  return walkPages(async (marker) => {
    const out = await kms(region).listKeys({ Limit: limit, Marker: marker });
    return { items: out.Keys, NextMarker: out.NextMarker, Truncated: out.Truncated };
  }, limit);
}

export async function listAllAliases(region: string = REGION, keyId?: string, limit?: number) {
  return walkPages(async (marker) => {
    const out = await kms(region).listAliases({ KeyId: keyId, Limit: limit, Marker: marker });
    return { items: out.Aliases, NextMarker: out.NextMarker, Truncated: out.Truncated };
  }, limit);
}

export async function listAllTags(keyId: string, region: string = REGION, limit?: number) {
  return walkPages(async (marker) => {
    const out = await kms(region).listResourceTags({ KeyId: keyId, Limit: limit, Marker: marker });
    return { items: out.Tags, NextMarker: out.NextMarker, Truncated: out.Truncated };
  }, limit);
}

/** Tags as a plain object, for order-independent comparison. */
export function tagMap(tags: { TagKey?: string; TagValue?: string }[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const tag of tags) out[String(tag.TagKey)] = tag.TagValue;
  return out;
}

/** Asserts a Date is within `toleranceMs` of `expectedMs`. */
export function assertNear(actual: Date | undefined, expectedMs: number, toleranceMs: number, what: string): void {
  assert.ok(actual instanceof Date, `${what}: not a Date (${String(actual)})`);
  const delta = Math.abs(actual.getTime() - expectedMs);
  assert.ok(delta <= toleranceMs, `${what}: ${actual.toISOString()} is ${delta} ms away from ${new Date(expectedMs).toISOString()}`);
}

export const DAY_MS = 24 * 60 * 60 * 1000;
