import { recordEventBuilder } from '@eudr/records';
import { EVENT_SOURCE } from '../events/event-source';
import type { ProductDocument } from './product.model';
import type { ProductEntity } from './products.schemas';

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
export const productEvent = recordEventBuilder({
  types: { created: 'product.created', updated: 'product.updated' },
  source: EVENT_SOURCE,
  dataOf: toProductEntity,
});
