import { createDomainEvent } from '@eudr/events';
import type { EventOutbox } from '@eudr/events';
import { createPeriodicTask } from '@eudr/service-kit';
import type { Logger, PeriodicTask } from '@eudr/service-kit';
import type { Connection } from 'mongoose';
import type { SyncLogDocument } from '../sync-logs/sync-log.model';
import { syncLogModel } from '../sync-logs/sync-log.model';
import { toSupplierEntity } from './supplier-entity';
import { EVENT_SOURCE, supplierEventGroups } from './supplier-events';
import type { SupplierEvent, SyncEvent } from './supplier-events';
import type { SupplierDocument } from './supplier.model';
import { supplierModel } from './supplier.model';

/*
 * Before the outbox, a supplier or sync log held the event it still owed in `pendingEvent` until the
 * broker acknowledged it, and a relay published what was left; a document that version wrote and did
 * not publish would otherwise never be announced. This publishes such events through the outbox as
 * that relay did (same id, so consumers deduplicate; a supplier's pending create is its
 * `supplier.created`; the record as it stands), then removes the mark, conditional on the event id.
 * A crash in between, or two replicas at once, publish the same event again, with the same id.
 * Run like that relay: at start and every relay interval, marks older than the relay's minimum age
 * (younger ones belong to a replica of that version still publishing them), one page per run.
 */

/** What the version before the outbox stored on a supplier that owed an event. */
type PendingSupplier = SupplierDocument & {
  pendingEvent: { id: string; occurredAt: Date; correlationId: string | null; integrationId: string };
  /** The id of the supplier's `supplier.created`, until the broker acknowledged it. */
  createEventId: string | null;
};

/** What the version before the outbox stored on a sync log that owed its event. */
type PendingSyncLog = SyncLogDocument & {
  pendingEvent: { id: string; type: SyncEvent['type']; occurredAt: Date };
};

/** Marks of each collection one run takes, as that relay did. */
const PAGE = 500;

function supplierEventOf({ pendingEvent: pending, createEventId, ...doc }: PendingSupplier): SupplierEvent {
  return createDomainEvent({
    id: createEventId ?? pending.id,
    type: createEventId === null ? 'supplier.updated' : 'supplier.created',
    orgId: doc.orgId,
    integrationId: pending.integrationId,
    source: EVENT_SOURCE,
    ...(pending.correlationId === null ? {} : { correlationId: pending.correlationId }),
    data: toSupplierEntity(doc),
    occurredAt: pending.occurredAt,
  });
}

function syncEventOf({ pendingEvent: pending, ...log }: PendingSyncLog): SyncEvent {
  const { created, updated, failed, status } = log;
  return createDomainEvent({
    id: pending.id,
    type: pending.type,
    orgId: log.orgId,
    integrationId: log.integrationId,
    source: EVENT_SOURCE,
    ...(log.correlationId === null ? {} : { correlationId: log.correlationId }),
    data: { entityType: log.entityType, syncLogId: log._id, created, updated, failed, status },
    occurredAt: pending.occurredAt,
  });
}

/** Options of {@link createLegacyPendingEvents}. */
export interface LegacyPendingEventsOptions {
  connection: Connection;
  outbox: EventOutbox;
  logger: Logger;
  relayIntervalMs: number;
  relayMinAgeMs: number;
}

/** The task publishing what documents of the version before the outbox still owe; returns how many. */
export function createLegacyPendingEvents(options: LegacyPendingEventsOptions): PeriodicTask<number> {
  const { connection, outbox } = options;
  const suppliers = connection.collection<PendingSupplier>(supplierModel(connection).collection.name);
  const syncLogs = connection.collection<PendingSyncLog>(syncLogModel(connection).collection.name);

  async function run(): Promise<number> {
    // The filter of that relay, served by the sparse index both models still declare.
    const pending = { 'pendingEvent.occurredAt': { $lte: new Date(Date.now() - options.relayMinAgeMs) } };
    const [docs, logs] = await Promise.all([
      suppliers.find(pending).sort({ 'pendingEvent.occurredAt': 1 }).limit(PAGE).toArray(),
      syncLogs.find(pending).sort({ 'pendingEvent.occurredAt': 1 }).limit(PAGE).toArray(),
    ]);
    const supplierEvents = docs.map(supplierEventOf);
    const syncEvents = logs.map(syncEventOf);
    // One outbox write per request id, so that each event keeps its request's correlation header.
    for (const correlationId of new Set([...supplierEvents, ...syncEvents].map((e) => e.correlationId))) {
      const write = await outbox.begin(correlationId);
      await write.commit(
        supplierEventGroups(
          supplierEvents.filter((event) => event.correlationId === correlationId),
          syncEvents.filter((event) => event.correlationId === correlationId),
        ),
      );
    }
    const unmark = (fields: Record<string, ''>) => (doc: { _id: string; pendingEvent: { id: string } }) => ({
      updateOne: {
        filter: { _id: doc._id, 'pendingEvent.id': doc.pendingEvent.id },
        update: { $unset: fields },
      },
    });
    if (docs.length > 0) {
      await suppliers.bulkWrite(docs.map(unmark({ pendingEvent: '', createEventId: '' })), {
        ordered: false,
      });
    }
    if (logs.length > 0) await syncLogs.bulkWrite(logs.map(unmark({ pendingEvent: '' })), { ordered: false });
    if (docs.length + logs.length > 0) {
      options.logger.warn({ events: docs.length + logs.length }, 'published events owed before the outbox');
    }
    return docs.length + logs.length;
  }

  return createPeriodicTask({
    name: 'legacy-pending-events',
    intervalMs: options.relayIntervalMs,
    logger: options.logger,
    run,
  });
}
