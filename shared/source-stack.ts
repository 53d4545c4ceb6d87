/**
 * Stack traces of a bundle named by its TypeScript sources, on demand: the API function runs without
 * `--enable-source-maps` (which reads and parses the whole source map at every cold start, ~15 ms), and
 * an unexpected error's stack is mapped here instead, reading the map beside the bundle on the first
 * such error only. Frames of files without a map (tsx, the local bundle that maps itself) stay as they are.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

const maps = new Map<string, SourceMap | undefined>();

function mapOf(fileUrl: string): SourceMap | undefined {
  if (!maps.has(fileUrl)) {
    let map: SourceMap | undefined;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(fileUrl)}.map`, 'utf8')));
    } catch {
      map = undefined; // no map shipped beside it
    }
    maps.set(fileUrl, map);
  }
  return maps.get(fileUrl);
}

/** `stack` with each `file:///...mjs:line:column` of a bundle replaced by its source position. */
export function sourceMappedStack(stack: string): string {
  return stack.replace(/(file:\/\/[^\s()]+\.mjs):(\d+):(\d+)/g, (frame, fileUrl: string, line: string, column: string) => {
    const entry = mapOf(fileUrl)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !('originalSource' in entry) || !entry.originalSource) return frame;
    return `${entry.originalSource}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

/** The error to log: the same name and message, its stack mapped to the sources. */
export function withSourceStack(error: unknown): unknown {
  if (!(error instanceof Error) || !error.stack) return error;
  const mapped = sourceMappedStack(error.stack);
  if (mapped === error.stack) return error;
  const copy = new Error(error.message, { cause: error.cause });
  copy.name = error.name;
  copy.stack = mapped;
  return copy;
}
