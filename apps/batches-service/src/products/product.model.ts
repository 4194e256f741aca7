import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import type { RecordDocumentBase } from '../common/record-store';
import type { ProductFields } from './products.schemas';

/** A product as stored. `_id` is `orgId:externalId`; `internalId` is the public `prd_…`. */
export type ProductDocument = RecordDocumentBase & ProductFields;

const optionalString = { type: String, default: null };

/*
 * Writes go through the driver (see the record store), so this schema documents the stored shape and
 * holds the indexes. Lookups by externalId need none: they match `_id` exactly.
 */
const productSchema = new Schema<ProductDocument>(
  {
    _id: { type: String, required: true },
    internalId: { type: String, required: true },
    orgId: { type: String, required: true },
    externalId: { type: String, required: true },
    name: { type: String, required: true },
    category: optionalString,
    country: optionalString,
    hsCode: optionalString,
    unit: optionalString,
    code: optionalString,
    description: optionalString,
    supplierExternalId: optionalString,
    integrationId: { type: String, required: true },
    syncStatus: { type: String, required: true, enum: ['SYNCED', 'PENDING'] },
    lastSyncedAt: { type: Date, required: true },
    version: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'products', versionKey: false, minimize: false },
);

// GET /products and the sync status: one organisation's products, `since` on lastSyncedAt, ordered by
// lastSyncedAt then externalId (unique within the organisation, so pages are stable).
productSchema.index({ orgId: 1, lastSyncedAt: 1, externalId: 1 });

/** The products model, registered on `connection`. */
export function productModel(connection: Connection): Model<ProductDocument> {
  return (
    (connection.models['Product'] as Model<ProductDocument> | undefined) ??
    connection.model<ProductDocument>('Product', productSchema)
  );
}
