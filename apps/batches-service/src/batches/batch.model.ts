import { modelOn } from '@eudr/service-kit';
import { optionalString, recordSchema } from '@eudr/records';
import type { RecordDocumentBase } from '@eudr/records';
import type { Connection, Model } from 'mongoose';
import type { BatchFields } from './batches.schemas';

/** A batch as stored; `_id` is its public id `bat_…`. */
export type BatchDocument = RecordDocumentBase & BatchFields;

// recordSchema's unique {orgId, externalId} also serves GET /dds/:batchExternalId.
const batchSchema = recordSchema<BatchDocument>(
  'batches',
  {
    productExternalId: { type: String, required: true },
    batchNumber: { type: String, required: true },
    quantity: { type: Number, default: null },
    unit: optionalString,
    receivedDate: optionalString,
    expiryDate: optionalString,
  },
  ['SYNCED', 'PENDING'],
);

/** The batches model, registered on `connection`. */
export function batchModel(connection: Connection): Model<BatchDocument> {
  return modelOn(connection, 'Batch', batchSchema);
}
