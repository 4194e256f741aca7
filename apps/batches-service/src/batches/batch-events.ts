import { TOPICS, createDomainEvent } from '@eudr/events';
import type { DomainEventOf } from '@eudr/events';
import type { WriteContext } from '@eudr/records';
import { EVENT_SOURCE } from '../events/event-source';
import type { OutboxGroup } from '@eudr/events';
import type { BatchDocument } from './batch.model';
import type { BatchEntity } from './batches.schemas';

/** A batch change event. */
export type BatchEvent = DomainEventOf<'batch.created'> | DomainEventOf<'batch.updated'>;

/** The API (and event) view of a stored batch. */
export function toBatchEntity(doc: BatchDocument): BatchEntity {
  return {
    externalId: doc.externalId,
    internalId: doc._id,
    name: doc.batchNumber,
    productExternalId: doc.productExternalId,
    batchNumber: doc.batchNumber,
    quantity: doc.quantity ?? null,
    unit: doc.unit ?? null,
    receivedDate: doc.receivedDate ?? null,
    expiryDate: doc.expiryDate ?? null,
    syncStatus: 'SYNCED',
    lastSyncedAt: doc.lastSyncedAt.toISOString(),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** The change event of a batch as it stands after a write. */
export function batchEvent(
  type: 'created' | 'updated',
  context: WriteContext,
  doc: BatchDocument,
  at: Date,
): BatchEvent {
  return createDomainEvent({
    type: type === 'created' ? 'batch.created' : 'batch.updated',
    orgId: context.orgId,
    integrationId: context.integrationId,
    source: EVENT_SOURCE,
    ...(context.correlationId === undefined ? {} : { correlationId: context.correlationId }),
    data: toBatchEntity(doc),
    occurredAt: at,
  });
}

/** The outbox group publishing batch events. */
export function batchEventGroup(events: readonly BatchEvent[]): OutboxGroup {
  return { topic: TOPICS.batches, events };
}
