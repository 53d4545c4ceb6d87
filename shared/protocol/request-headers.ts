/** Header helpers: SDKs send lower-case names, the CLI capitalised ones, so lookups ignore case. */
export function header(headers: Record<string, string | undefined> | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  // Most clients send one of these two spellings; only unusual ones pay for the scan.
  const direct = headers[name] ?? headers[name.toLowerCase()];
  if (direct !== undefined) return direct;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

/** `application/x-amz-json-1.1; charset=utf-8` → `application/x-amz-json-1.1`. */
export function mediaType(contentType: string): string {
  return contentType.split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * X-Amz-Target: the header, or, in a presigned request, the query parameter the SDKs' presigners move it
 * to (the signature covers either; sigv4.ts requires a present header to be signed).
 */
export function operationTarget(
  headers: Record<string, string | undefined> | null | undefined,
  query: Record<string, string | undefined> | null | undefined,
): string | undefined {
  return header(headers, 'x-amz-target') ?? header(query, 'x-amz-target');
}
