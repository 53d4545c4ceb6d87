/**
 * The local replicator's checkpoints: per source region, per target region, per shard, the last stream
 * record handled, in `<dataDir>/replication/<region>.json`, so a restart resumes where each target stopped.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Checkpoint {
  streamArn: string;
  /** shardId -> target region -> last sequence number handled for that target. */
  shards: Record<string, Record<string, string>>;
}

const checkpointFile = (dataDir: string, region: string) => join(dataDir, 'replication', `${region}.json`);

/** The saved checkpoint of `region`'s stream, unless there is none or it belongs to another (recreated) stream. */
export async function readCheckpoint(dataDir: string, region: string, streamArn: string, onUnreadable: (error: unknown) => void): Promise<Checkpoint | undefined> {
  try {
    const checkpoint = JSON.parse(await readFile(checkpointFile(dataDir, region), 'utf8')) as Checkpoint;
    // A recreated table has a new stream: the old positions mean nothing there.
    return checkpoint.streamArn === streamArn ? checkpoint : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') onUnreadable(error);
    return undefined;
  }
}

/** Saves target region -> shard -> sequence number positions of `region`'s stream. */
export async function writeCheckpoint(dataDir: string, region: string, streamArn: string, positions: Map<string, Map<string, string>>): Promise<void> {
  const shards: Checkpoint['shards'] = {};
  for (const [target, byShard] of positions) {
    for (const [shardId, seq] of byShard) (shards[shardId] ??= {})[target] = seq;
  }
  const file = checkpointFile(dataDir, region);
  await mkdir(join(dataDir, 'replication'), { recursive: true });
  // Write then rename: a crash mid-write leaves the previous checkpoint, never half a file.
  await writeFile(`${file}.tmp`, JSON.stringify({ streamArn, shards } satisfies Checkpoint));
  await rename(`${file}.tmp`, file);
}
