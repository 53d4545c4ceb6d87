/**
 * An outbox entry's body is stored as JSON text, not a DynamoDB map: a map comes back with its keys in
 * another order, and events and audit records should keep AWS's field order (version, id, detail-type...).
 */
import type { OutboxEntry } from '../core/sinks.js';
import { outboxItem } from './item-keys.js';

export const outboxBody = (entry: OutboxEntry): string => JSON.stringify(entry.body);

/** The stored item of an outbox entry of `region` (delivered by that region's jobs). */
export const outboxItemOf = (region: string, entry: OutboxEntry) => ({
  ...outboxItem(region, entry.id),
  entity: 'Outbox',
  kind: entry.kind,
  body: outboxBody(entry),
});
