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

/** The region of a SigV4 Authorization header's credential scope (`Credential=AKID/date/region/kms/aws4_request`). */
export function credentialScopeRegion(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/[^/,\s]+\/aws4_request/.exec(authorization);
  return match?.[1];
}
