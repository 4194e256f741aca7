import { recordEventBuilder } from '@eudr/records';
import { EVENT_SOURCE } from '../events/event-source';
import type { BatchDocument } from './batch.model';
import type { BatchEntity } from './batches.schemas';

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
export const batchEvent = recordEventBuilder({
  types: { created: 'batch.created', updated: 'batch.updated' },
  source: EVENT_SOURCE,
  dataOf: toBatchEntity,
});
