import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import type { RecordDocumentBase } from '@eudr/records';
import type { ProductFields } from './products.schemas';

/** A product as stored; `_id` is its public id `prd_…`. */
export type ProductDocument = RecordDocumentBase & ProductFields;

const optionalString = { type: String, default: null };

// Writes go through the driver (see the record store): this schema documents the shape and the indexes.
const productSchema = new Schema<ProductDocument>(
  {
    _id: { type: String, required: true },
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
    writeId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'products', versionKey: false, minimize: false },
);

// GET /products/:externalId, the upsert's match, a batch's product: one product by its caller's id.
productSchema.index({ orgId: 1, externalId: 1 }, { unique: true });
// GET /products and the sync status: one organisation's products, `since` on lastSyncedAt, ordered by
// lastSyncedAt then externalId.
productSchema.index({ orgId: 1, lastSyncedAt: 1, externalId: 1 });
// A supplier's arrival: the organisation's PENDING products that name it.
productSchema.index({ orgId: 1, supplierExternalId: 1, syncStatus: 1 });
// The relay's recovery of a write that died before storing its events: the products it changed.
productSchema.index({ writeId: 1 });

/** The products model, registered on `connection`. */
export function productModel(connection: Connection): Model<ProductDocument> {
  return (
    (connection.models['Product'] as Model<ProductDocument> | undefined) ??
    connection.model<ProductDocument>('Product', productSchema)
  );
}
