/** What the pure core asks of its environment: time, randomness and the root key (adapters in shared/adapters). */
export interface Clock {
  now(): Date;
}

export interface Random {
  bytes(n: number): Buffer;
}

export interface RootKeyProvider {
  /** Identifies the root key, stored beside each wrapped material. */
  readonly rootKeyId: string;
  /** The 32-byte root key. Never logged, never stored in the table. */
  rootKey(): Promise<Buffer>;
}
