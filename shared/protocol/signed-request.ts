/** A request as the SigV4 verifier sees it, and how an API Gateway REST proxy event becomes one. */
import { dataRecord } from '../core/data-record.js';

/** A request as it reached the service; header names lower-case, every value kept. */
export interface SignedRequest {
  method: string;
  /** The path exactly as the client sent it (behind API Gateway: requestContext.path, with the stage). */
  path: string;
  /** Decoded query parameters, every value. */
  query: Readonly<Record<string, readonly string[]>>;
  /** Lower-case header names, every value in order (nothing inherited: see dataRecord). */
  headers: Readonly<Record<string, readonly string[]>>;
  /** The body: its text (hashed as UTF-8, as it arrived), or its bytes when the event carried base64. */
  body: Uint8Array | string;
}

/**
 * The SignedRequest of an API Gateway REST proxy event: the path the client signed is
 * `requestContext.path` (it keeps the stage, `/dev/`, or a custom domain's base path), headers from
 * `multiValueHeaders` (every value, so repeats are seen), the body as its text (no copy into bytes).
 */
export function signedRequestOf(event: {
  httpMethod?: string;
  path?: string;
  body?: string | null;
  isBase64Encoded?: boolean;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  requestContext?: { path?: string } | null;
}): SignedRequest {
  const headers = dataRecord<readonly string[]>();
  if (event.multiValueHeaders) {
    for (const name of Object.keys(event.multiValueHeaders)) {
      const values = event.multiValueHeaders[name];
      if (!values) continue;
      // The event's own list, read only, unless another spelling of the name came first: no copy per header.
      const lower = name.toLowerCase();
      const earlier = headers[lower];
      headers[lower] = earlier === undefined ? values : earlier.concat(values);
    }
  } else if (event.headers) {
    for (const name of Object.keys(event.headers)) {
      const value = event.headers[name];
      if (value === undefined) continue;
      const lower = name.toLowerCase();
      const earlier = headers[lower];
      headers[lower] = earlier === undefined ? [value] : [...earlier, value];
    }
  }
  const query = dataRecord<string[]>();
  if (event.multiValueQueryStringParameters) {
    for (const name of Object.keys(event.multiValueQueryStringParameters)) {
      const values = event.multiValueQueryStringParameters[name];
      if (values) query[name] = [...values];
    }
  } else if (event.queryStringParameters) {
    for (const name of Object.keys(event.queryStringParameters)) {
      const value = event.queryStringParameters[name];
      if (value !== undefined) query[name] = [value];
    }
  }
  const body = event.body ?? '';
  return {
    method: event.httpMethod ?? 'POST',
    path: event.requestContext?.path || event.path || '/',
    query,
    headers,
    body: event.isBase64Encoded ? Buffer.from(body, 'base64') : body,
  };
}
