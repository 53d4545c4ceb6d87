import type { MaterialVault } from '../core/material-vault.js';
import type { Caller } from '../protocol/dispatcher.js';
import type { Clock, KeyStore, Random } from '../ports.js';

/** What every operation receives besides its input: who asks, where, and the ports it may use. */
export interface OperationContext {
  caller: Caller;
  region: string;
  requestId: string;
  store: KeyStore;
  clock: Clock;
  random: Random;
  vault: MaterialVault;
}
