import { TOPICS, createDomainEvent } from '@eudr/events';
import type { DomainEventOf, OutboxGroup, WriteRecovery } from '@eudr/events';
import type { RecordStore, WriteContext } from '@eudr/records';
import type { SyncLogDocument } from '../sync-logs/sync-log.model';
import type { SyncLogsRepository } from '../sync-logs/sync-logs.repository';
import { toSupplierEntity } from './supplier-entity';
import type { SupplierDocument } from './supplier.model';

/** The `source` of every event this service publishes. */
export const EVENT_SOURCE = 'suppliers-service';

/** A supplier change event. */
export type SupplierEvent = DomainEventOf<'supplier.created'> | DomainEventOf<'supplier.updated'>;
/** The event that ends a bulk upsert. */
export type SyncEvent = DomainEventOf<'sync.completed'> | DomainEventOf<'sync.failed'>;

/** The change event of a supplier as it stands after a write. */
export function supplierEvent(
  type: 'created' | 'updated',
  context: WriteContext,
  doc: SupplierDocument,
  at: Date,
): SupplierEvent {
  return createDomainEvent({
    type: type === 'created' ? 'supplier.created' : 'supplier.updated',
    orgId: context.orgId,
    integrationId: context.integrationId,
    source: EVENT_SOURCE,
    ...(context.correlationId === undefined ? {} : { correlationId: context.correlationId }),
    data: toSupplierEntity(doc),
    occurredAt: at,
  });
}

/** The `sync.*` event of a sync log. */
export function syncEvent(log: SyncLogDocument): SyncEvent {
  const { created, updated, failed, status } = log;
  return createDomainEvent({
    type: failed === 0 ? 'sync.completed' : 'sync.failed',
    orgId: log.orgId,
    integrationId: log.integrationId,
    source: EVENT_SOURCE,
    ...(log.correlationId === null ? {} : { correlationId: log.correlationId }),
    data: { entityType: log.entityType, syncLogId: log._id, created, updated, failed, status },
    occurredAt: log.createdAt,
  });
}

/** The outbox groups of one upsert: its supplier events, then its sync event. */
export function supplierEventGroups(
  suppliers: readonly SupplierEvent[],
  sync: readonly SyncEvent[],
): OutboxGroup[] {
  return [
    { topic: TOPICS.suppliers, events: suppliers },
    { topic: TOPICS.sync, events: sync },
  ];
}

/**
 * The relay's recovery of a write that died before storing its events: the suppliers and the sync log
 * still carrying its id, announced as they stand (`created` for a supplier at version 1).
 */
export function createSupplierWriteRecovery(deps: {
  suppliers: RecordStore<SupplierDocument>;
  syncLogs: SyncLogsRepository;
}): WriteRecovery {
  return async (writeId, correlationId) => {
    const [suppliers, logs] = await Promise.all([
      deps.suppliers.findByWrite(writeId),
      deps.syncLogs.findByWrite(writeId),
    ]);
    const context = (doc: SupplierDocument) => ({
      orgId: doc.orgId,
      integrationId: doc.integrationId,
      correlationId: correlationId ?? undefined,
    });
    const typeOf = (doc: SupplierDocument) => (doc.version === 1 ? 'created' : 'updated');
    return supplierEventGroups(
      suppliers.map((doc) => supplierEvent(typeOf(doc), context(doc), doc, doc.updatedAt)),
      logs.map(syncEvent),
    );
  };
}
