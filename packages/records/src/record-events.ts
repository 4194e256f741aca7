import { createDomainEvent } from '@eudr/events';
import type { CreateDomainEventInput, DomainEventData, DomainEventOf } from '@eudr/events';
import type { SyncLogStatus } from './bulk-upsert';
import type { RecordDocumentBase } from './record-store';
import type { WriteContext } from './record-upsert';

/** The change events of the records a bulk upsert takes. */
export type RecordEventType =
  | 'supplier.created'
  | 'supplier.updated'
  | 'product.created'
  | 'product.updated'
  | 'batch.created'
  | 'batch.updated';

/** Builds the change event of a record as it stands after a write (see {@link recordEventBuilder}). */
export type RecordEventBuilder<D, T extends RecordEventType> = (
  type: 'created' | 'updated',
  context: WriteContext,
  doc: D,
  at: Date,
) => DomainEventOf<T>;

/**
 * The change event builder of one kind of record: `created` when the write inserted the record, else
 * `updated`; from the writer's organisation and integration, the record's API view as data.
 */
export function recordEventBuilder<D, T extends RecordEventType>(spec: {
  types: { created: T; updated: T };
  /** The publishing service. */
  source: string;
  /** The API view of the record. */
  dataOf: (doc: D) => CreateDomainEventInput<T>['data'];
}): RecordEventBuilder<D, T> {
  return (type, context, doc, at) =>
    createDomainEvent<T>({
      type: spec.types[type],
      orgId: context.orgId,
      integrationId: context.integrationId,
      source: spec.source,
      ...(context.correlationId === undefined ? {} : { correlationId: context.correlationId }),
      data: spec.dataOf(doc),
      occurredAt: at,
    });
}

/**
 * The events of the records a write that died left carrying its id (the relay's recovery), as they
 * stand: `created` for a record at version 1, which that write inserted.
 */
export function recoveredRecordEvents<D extends RecordDocumentBase, T extends RecordEventType>(
  eventOf: RecordEventBuilder<D, T>,
  docs: readonly D[],
  correlationId: string | null,
): DomainEventOf<T>[] {
  return docs.map((doc) =>
    eventOf(
      doc.version === 1 ? 'created' : 'updated',
      { orgId: doc.orgId, integrationId: doc.integrationId, correlationId: correlationId ?? undefined },
      doc,
      doc.updatedAt,
    ),
  );
}

/** The event that ends a bulk upsert. */
export type SyncEvent = DomainEventOf<'sync.completed'> | DomainEventOf<'sync.failed'>;

/** What a sync log holds of its bulk upsert. */
export interface SyncLogFields {
  /** `syn_…`, carried as `syncLogId`. */
  _id: string;
  orgId: string;
  integrationId: string | null;
  entityType: DomainEventData<'sync.completed'>['entityType'];
  status: SyncLogStatus;
  created: number;
  updated: number;
  failed: number;
  correlationId: string | null;
  createdAt: Date;
}

/** The `sync.*` event of a sync log: `sync.completed` when no record failed, else `sync.failed`. */
export function syncEventOf(source: string, log: SyncLogFields): SyncEvent {
  const { created, updated, failed, status } = log;
  return createDomainEvent({
    type: failed === 0 ? 'sync.completed' : 'sync.failed',
    orgId: log.orgId,
    ...(log.integrationId === null ? {} : { integrationId: log.integrationId }),
    source,
    ...(log.correlationId === null ? {} : { correlationId: log.correlationId }),
    data: { entityType: log.entityType, syncLogId: log._id, created, updated, failed, status },
    occurredAt: log.createdAt,
  });
}
