import { TOPICS } from '@eudr/events';
import type { DomainEventOf, OutboxGroup, WriteRecovery } from '@eudr/events';
import { recordEventBuilder, recoveredRecordEvents, syncEventOf } from '@eudr/records';
import type { RecordStore, SyncEvent } from '@eudr/records';
import type { SyncLogsRepository } from '../sync-logs/sync-logs.repository';
import { toSupplierEntity } from './supplier-entity';
import type { SupplierDocument } from './supplier.model';

export type { SyncEvent };

/** The `source` of every event this service publishes. */
export const EVENT_SOURCE = 'suppliers-service';

/** A supplier change event. */
export type SupplierEvent = DomainEventOf<'supplier.created'> | DomainEventOf<'supplier.updated'>;

/** The change event of a supplier as it stands after a write. */
export const supplierEvent = recordEventBuilder({
  types: { created: 'supplier.created', updated: 'supplier.updated' },
  source: EVENT_SOURCE,
  dataOf: toSupplierEntity,
});

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
 * still carrying its id, announced as they stand.
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
    return supplierEventGroups(
      recoveredRecordEvents(supplierEvent, suppliers, correlationId),
      logs.map((log) => syncEventOf(EVENT_SOURCE, log)),
    );
  };
}
