/** Extracts a packaged function (`<dir>/<function>.zip` from `npm run package`) as Lambda would unpack it. */
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/** Unzips `zipPath` into `dest`; returns the paths of the files written. */
export function unzip(zipPath: string, dest: string): Promise<string[]> {
  return new Promise((resolveAll, reject) => {
    yauzl.open(zipPath, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const written: string[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolveAll(written));
      zip.on('entry', (entry: yauzl.Entry) => {
        const target = resolve(dest, entry.fileName);
        if (!target.startsWith(resolve(dest) + sep)) return reject(new Error(`zip entry outside the target: ${entry.fileName}`));
        if (entry.fileName.endsWith('/')) return zip.readEntry();
        mkdirSync(dirname(target), { recursive: true });
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          pipeline(stream, createWriteStream(target)).then(() => {
            written.push(target);
            zip.readEntry();
          }, reject);
        });
      });
      zip.readEntry();
    });
  });
}

/** The handler module of a packaged function, extracted under `dest`. */
export async function extractFunction(packageDir: string, fn: string, dest: string): Promise<string> {
  const files = await unzip(join(packageDir, `${fn}.zip`), join(dest, fn));
  const handler = files.find((file) => file.endsWith('handler.mjs'));
  if (!handler) throw new Error(`${fn}.zip holds no handler.mjs (${files.join(', ')})`);
  return handler;
}
