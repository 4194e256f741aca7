import { TOPICS, createDomainEvent } from '@eudr/events';
import type { DomainEventOf } from '@eudr/events';
import type { WriteContext } from '@eudr/records';
import { EVENT_SOURCE } from '../events/event-source';
import type { OutboxGroup } from '@eudr/events';
import type { ProductDocument } from './product.model';
import type { ProductEntity } from './products.schemas';

/** A product change event. */
export type ProductEvent = DomainEventOf<'product.created'> | DomainEventOf<'product.updated'>;

/** The API (and event) view of a stored product. */
export function toProductEntity(doc: ProductDocument): ProductEntity {
  return {
    externalId: doc.externalId,
    internalId: doc._id,
    name: doc.name,
    category: doc.category ?? null,
    country: doc.country ?? null,
    hsCode: doc.hsCode ?? null,
    unit: doc.unit ?? null,
    code: doc.code ?? null,
    description: doc.description ?? null,
    supplierExternalId: doc.supplierExternalId ?? null,
    syncStatus: doc.syncStatus,
    lastSyncedAt: doc.lastSyncedAt.toISOString(),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** The change event of a product as it stands after a write. */
export function productEvent(
  type: 'created' | 'updated',
  context: WriteContext,
  doc: ProductDocument,
  at: Date,
): ProductEvent {
  return createDomainEvent({
    type: type === 'created' ? 'product.created' : 'product.updated',
    orgId: context.orgId,
    integrationId: context.integrationId,
    source: EVENT_SOURCE,
    ...(context.correlationId === undefined ? {} : { correlationId: context.correlationId }),
    data: toProductEntity(doc),
    occurredAt: at,
  });
}

/** The outbox group publishing product events. */
export function productEventGroup(events: readonly ProductEvent[]): OutboxGroup {
  return { topic: TOPICS.products, events };
}
