/** Header helpers: SDKs send lower-case names, the CLI capitalised ones, so lookups ignore case. */
export function header(headers: Record<string, string | undefined> | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  // Clients send one of three spellings (the SDKs lower case, botocore and others `X-Amz-Target`);
  // only unusual ones pay for the scan.
  const direct = headers[name] ?? headers[name.toLowerCase()] ?? headers[capitalised(name)];
  if (direct !== undefined) return direct;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

const capitalisedNames = new Map<string, string>();
/** `x-amz-target` → `X-Amz-Target` (the few names looked up, computed once each). */
function capitalised(name: string): string {
  let spelled = capitalisedNames.get(name);
  if (spelled === undefined) {
    spelled = name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    if (capitalisedNames.size < 100) capitalisedNames.set(name, spelled);
  }
  return spelled;
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
