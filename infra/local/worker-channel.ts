/**
 * Calls between the local service's process and its API workers over the cluster's IPC channel: each side
 * names what it answers (`handlers`), `call` awaits the other side's answer, `notify` expects none.
 * A call outstanding when the channel closes (the worker died, the service stopped) fails.
 */

interface Message {
  kms: 'call' | 'notify' | 'reply';
  id?: number;
  what?: string;
  payload?: unknown;
  ok?: boolean;
  value?: unknown;
  error?: string;
}

export type Handlers = Record<string, (payload: never) => unknown>;

export class WorkerChannel {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private closedBecause: string | undefined;

  constructor(
    /** Sends one message; reports failure (a closed channel) through `done`. */
    private readonly send: (message: Message, done: (error: Error | null) => void) => void,
    private readonly handlers: Handlers,
  ) {}

  call<T>(what: string, payload?: unknown, timeoutMs?: number): Promise<T> {
    if (this.closedBecause) return Promise.reject(new Error(this.closedBecause));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (fn: () => void) => {
        if (timer) clearTimeout(timer);
        this.waiting.delete(id);
        fn();
      };
      this.waiting.set(id, { resolve: (value) => settle(() => resolve(value as T)), reject: (error) => settle(() => reject(error)) });
      if (timeoutMs) timer = setTimeout(() => this.waiting.get(id)?.reject(new Error(`no answer to '${what}' within ${timeoutMs} ms`)), timeoutMs);
      this.send({ kms: 'call', id, what, payload }, (error) => error && this.waiting.get(id)?.reject(error));
    });
  }

  notify(what: string, payload?: unknown): void {
    if (!this.closedBecause) this.send({ kms: 'notify', what, payload }, () => {});
  }

  /** Handles one message from the other side; false if it is not this channel's. */
  receive(raw: unknown): boolean {
    const message = raw as Message;
    if (typeof message !== 'object' || message === null || typeof message.kms !== 'string') return false;
    if (message.kms === 'reply') {
      const waiter = this.waiting.get(message.id!);
      if (message.ok) waiter?.resolve(message.value);
      else waiter?.reject(new Error(message.error));
      return true;
    }
    const handler = this.handlers[message.what!] as ((payload: unknown) => unknown) | undefined;
    const answer = async () => {
      if (!handler) throw new Error(`nothing answers '${message.what}'`);
      return handler(message.payload);
    };
    void answer().then(
      (value) => message.kms === 'call' && this.send({ kms: 'reply', id: message.id, ok: true, value }, () => {}),
      (error: unknown) => message.kms === 'call' && this.send({ kms: 'reply', id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }, () => {}),
    );
    return true;
  }

  /** The other side is gone: every outstanding call fails, and so do later ones. */
  close(reason: string): void {
    this.closedBecause ??= reason;
    for (const waiter of [...this.waiting.values()]) waiter.reject(new Error(reason));
  }
}
