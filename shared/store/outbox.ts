/**
 * Delivers the transactional outbox (ports.ts OutboxEntry): events to the event sink, audit records to
 * the audit sink, notifications to the notifier, then removes each entry. An entry is claimed first, so
 * two job runs at once deliver it once; a run that crashes after claiming leaves the claim to lapse and a
 * later run delivers it (at least once; the local sinks also drop ids they have already written).
 */
import type { AuditRecord, KmsEvent, Notification, OutboxEntry, Sinks } from '../core/sinks.js';
import type { JobStore } from './job-store.js';

/**
 * How long a delivering run holds an entry. Deliveries take milliseconds to a second or two; after a
 * crash mid-delivery the next run may take the entry over this much later (seconds, like EventBridge's
 * own retries), not a minute.
 */
const CLAIM_MS = 5_000;
const PAGE = 100;

/** Delivers what is in the outbox now; returns how many entries it delivered. `nowMs` is the real clock. */
export async function deliverOutbox(jobStore: JobStore, sinks: Sinks, nowMs: () => number = Date.now): Promise<number> {
  let delivered = 0;
  for (;;) {
    const entries = (await jobStore.listOutbox(PAGE)).filter((entry) => !entry.claimedUntil || entry.claimedUntil < nowMs());
    const mine: OutboxEntry[] = [];
    for (const entry of entries) {
      const now = nowMs();
      if (await jobStore.claimOutbox(entry.id, now, now + CLAIM_MS)) mine.push(entry);
    }
    if (mine.length === 0) return delivered;
    await deliverOrRelease(jobStore, sinks, mine);
    for (const entry of mine) await jobStore.deleteOutbox(entry.id);
    delivered += mine.length;
    if (entries.length < PAGE) return delivered;
  }
}

/** A sink that fails hands its claims back at once, so the next run need not wait for them to lapse. */
async function deliverOrRelease(jobStore: JobStore, sinks: Sinks, entries: OutboxEntry[]): Promise<void> {
  try {
    await deliver(entries, sinks);
  } catch (error) {
    for (const entry of entries) await jobStore.releaseOutbox(entry.id).catch(() => {});
    throw error;
  }
}

/** Hands entries to their sinks, one batch per kind. */
export async function deliver(entries: OutboxEntry[], sinks: Sinks): Promise<void> {
  const events = entries.filter((e) => e.kind === 'event').map((e) => e.body as unknown as KmsEvent);
  const audit = entries.filter((e) => e.kind === 'audit').map((e) => e.body as unknown as AuditRecord);
  const notifications = entries.filter((e) => e.kind === 'notification').map((e) => e.body as unknown as Notification);
  // Audit first: if a sink fails, the record of what happened is the one most worth having.
  if (audit.length > 0) await sinks.audit.write(audit);
  if (events.length > 0) await sinks.events.publish(events);
  if (notifications.length > 0) await sinks.notifier.notify(notifications);
}

export const outboxEvent = (event: KmsEvent): OutboxEntry => ({ id: `event#${event.id}`, kind: 'event', body: event as unknown as Record<string, unknown> });
export const outboxAudit = (record: AuditRecord): OutboxEntry => ({ id: `audit#${record.eventID}`, kind: 'audit', body: record });
export const outboxNotification = (notification: Notification): OutboxEntry => ({
  id: `notification#${notification.id}`,
  kind: 'notification',
  body: notification as unknown as Record<string, unknown>,
});

/**
 * Delivers entries just committed (e.g. by RotateKeyOnDemand) without waiting for the next job run.
 * Best effort: whatever fails here stays in the outbox, and the next job run delivers it.
 */
export async function deliverNow(jobStore: JobStore, sinks: Sinks, entries: OutboxEntry[], nowMs: () => number = Date.now): Promise<void> {
  const mine: OutboxEntry[] = [];
  for (const entry of entries) {
    const now = nowMs();
    if (await jobStore.claimOutbox(entry.id, now, now + CLAIM_MS)) mine.push(entry);
  }
  if (mine.length === 0) return;
  await deliverOrRelease(jobStore, sinks, mine);
  for (const entry of mine) await jobStore.deleteOutbox(entry.id);
}
