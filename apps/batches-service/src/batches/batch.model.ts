import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import type { RecordDocumentBase } from '@eudr/records';
import type { BatchFields } from './batches.schemas';

/** A batch as stored; `_id` is its public id `bat_…`. */
export type BatchDocument = RecordDocumentBase & BatchFields;

const optionalString = { type: String, default: null };

/* Writes go through the driver (see the record store); this schema documents the shape and the indexes. */
const batchSchema = new Schema<BatchDocument>(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    externalId: { type: String, required: true },
    productExternalId: { type: String, required: true },
    batchNumber: { type: String, required: true },
    quantity: { type: Number, default: null },
    unit: optionalString,
    receivedDate: optionalString,
    expiryDate: optionalString,
    integrationId: { type: String, required: true },
    syncStatus: { type: String, required: true, enum: ['SYNCED', 'PENDING'] },
    lastSyncedAt: { type: Date, required: true },
    version: { type: Number, required: true },
    writeId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'batches', versionKey: false, minimize: false },
);

// GET /batches/:externalId, GET /dds/:batchExternalId and the upsert's match: one batch by its caller's id.
batchSchema.index({ orgId: 1, externalId: 1 }, { unique: true });
// GET /batches and the sync status: ordered by lastSyncedAt then externalId, `since` on lastSyncedAt.
batchSchema.index({ orgId: 1, lastSyncedAt: 1, externalId: 1 });
// The relay's recovery of a write that died before storing its events: the batches it changed.
batchSchema.index({ writeId: 1 });

/** The batches model, registered on `connection`. */
export function batchModel(connection: Connection): Model<BatchDocument> {
  return (
    (connection.models['Batch'] as Model<BatchDocument> | undefined) ??
    connection.model<BatchDocument>('Batch', batchSchema)
  );
}
