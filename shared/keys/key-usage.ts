/**
 * Each key's last successful cryptographic use (GetKeyLastUsage), recorded off the request path. The API
 * tells the recorder of every successful tracked call once its audit record exists; the recorder writes
 * a key's usage item at most once per interval (a minute) per instance and keeps later uses in memory
 * until then, so a busy key costs one store write a minute, not one a request. A reader in this process
 * sees the newest use at once (memory over the store), other instances within the interval.
 * Usage is informational, as AWS treats it: a write that fails is reported, not retried, and uses still
 * in memory when an instance ends are lost.
 */
import type { KeyUsage, KeyUsageStore } from '../store/ports.js';
import { shape } from '../model/model.js';
import type { CompletedCall } from '../audit/api-record.js';

/** The operations AWS tracks: the model's KeyLastUsageTrackingOperation. */
export const TRACKED_OPERATIONS: ReadonlySet<string> = new Set(shape('KeyLastUsageTrackingOperation').enum);

export interface KeyUsageRecorderOptions {
  /** At most one store write per key per this many ms (default 60 s). */
  intervalMs?: number;
  now?: () => number;
}

interface Pending {
  region: string;
  keyId: string;
  usage: KeyUsage;
}

/** Memory is bounded: past this many keys, what is known of the oldest is forgotten (the store has it). */
const MAX_KEYS = 50_000;

export class KeyUsageRecorder {
  private readonly intervalMs: number;
  private readonly now: () => number;
  /** Uses not written yet, newest per key. */
  private readonly pending = new Map<string, Pending>();
  /** When each key's item was last written by this instance. */
  private readonly writtenAt = new Map<string, number>();
  /** The newest use this instance knows of, per key (written, being written, or pending). */
  private readonly latest = new Map<string, KeyUsage>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Told of a write that failed (the API logs and counts it). */
  onError: (error: unknown, keyId: string) => void = () => {};
  /**
   * Starts a write that is due: at once by default; the Lambda handler starts it once the invocation has
   * answered (functions/api/app.ts).
   */
  later: (work: () => void) => void = (work) => work();
  /** Keys whose due write `later` holds. */
  private readonly writeDueLater = new Set<string>();

  constructor(
    private readonly storeFor: (region: string) => KeyUsageStore,
    options: KeyUsageRecorderOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** A successful tracked call used `keyId` in `region`. Never waits and never throws. */
  record(region: string, keyId: string, usage: KeyUsage): void {
    const id = `${region}/${keyId}`;
    const known = this.latest.get(id);
    if (known && known.at > usage.at) return;
    if (this.latest.size >= MAX_KEYS && !known) this.forgetOldest();
    this.latest.set(id, usage);
    this.pending.set(id, { region, keyId, usage });
    const last = this.writtenAt.get(id);
    const now = this.now();
    if (last !== undefined && now - last < this.intervalMs) this.wakeIn(last + this.intervalMs - now);
    else if (!this.writeDueLater.has(id)) {
      this.writeDueLater.add(id);
      this.later(() => {
        this.writeDueLater.delete(id);
        this.write(id, this.now());
      });
    }
  }

  /** The newest use of `keyId` in `region` that this instance knows or the store has. */
  async last(region: string, keyId: string): Promise<KeyUsage | undefined> {
    const stored = await this.storeFor(region).lastUsage(keyId);
    return newestUse([this.latest.get(`${region}/${keyId}`), stored]);
  }

  /** The newest use of `keyId` in `region` this instance knows (written or not), without asking the store. */
  known(region: string, keyId: string): KeyUsage | undefined {
    return this.latest.get(`${region}/${keyId}`);
  }

  /** Forgets every use this instance knows and has not written (the local runtime's reset). */
  clear(): void {
    this.pending.clear();
    this.writtenAt.clear();
    this.latest.clear();
  }

  /** Writes every pending use now (shutdown), and waits for writes in flight. */
  async flush(): Promise<void> {
    const now = this.now();
    for (const id of [...this.pending.keys()]) this.write(id, now);
    await Promise.all([...this.inFlight]);
  }

  private write(id: string, now: number): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    this.writtenAt.set(id, now);
    const done = this.storeFor(entry.region)
      .recordUsage(entry.keyId, entry.usage)
      .catch((error: unknown) => this.onError(error, entry.keyId))
      .finally(() => this.inFlight.delete(done));
    this.inFlight.add(done);
  }

  /** Writes the pending uses whose interval has passed, and waits again for the rest. */
  private writeDue(): void {
    const now = this.now();
    let next = Infinity;
    for (const id of [...this.pending.keys()]) {
      const due = (this.writtenAt.get(id) ?? -Infinity) + this.intervalMs;
      if (due <= now) this.write(id, now);
      else next = Math.min(next, due - now);
    }
    if (next !== Infinity) this.wakeIn(next);
  }

  private wakeIn(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.writeDue();
    }, ms);
    this.timer.unref?.();
  }

  private forgetOldest(): void {
    for (const id of this.latest.keys()) {
      if (this.pending.has(id)) continue;
      this.latest.delete(id);
      this.writtenAt.delete(id);
      return;
    }
  }
}

/**
 * A completed API call: if it was a successful tracked operation, each key it used in its region has a
 * new last use (ReEncrypt: its source and destination keys), named by the call's audit record.
 */
export function recordKeyUsage(recorder: KeyUsageRecorder, eventId: string, done: CompletedCall): void {
  if (done.error !== undefined || done.operation === undefined || !TRACKED_OPERATIONS.has(done.operation)) return;
  const keys = done.ctx?.trail?.keys;
  if (!keys || keys.length === 0) return;
  const region = done.request.region;
  const at = done.ctx!.clock.now().getTime();
  for (const key of keys) {
    // A failed region's key used for a recovery decrypt is not this region's to record.
    if (key.region !== region) continue;
    recorder.record(region, key.keyId, { operation: done.operation, at, eventId, requestId: done.requestId });
  }
}

/** The newest of some uses of a key (by when they happened; the earlier-listed wins a tie). */
export function newestUse(uses: readonly (KeyUsage | null | undefined)[]): KeyUsage | undefined {
  let found: KeyUsage | undefined;
  for (const use of uses) if (use && (!found || use.at > found.at)) found = use;
  return found;
}
