import { modelOn } from '@eudr/service-kit';
import { optionalString, recordSchema } from '@eudr/records';
import type { RecordDocumentBase } from '@eudr/records';
import type { Connection, Model } from 'mongoose';
import type { ProductFields } from './products.schemas';

/** A product as stored; `_id` is its public id `prd_…`. */
export type ProductDocument = RecordDocumentBase & ProductFields;

// recordSchema's unique {orgId, externalId} also serves a batch's lookup of its product.
const productSchema = recordSchema<ProductDocument>(
  'products',
  {
    name: { type: String, required: true },
    category: optionalString,
    country: optionalString,
    hsCode: optionalString,
    unit: optionalString,
    code: optionalString,
    description: optionalString,
    supplierExternalId: optionalString,
  },
  ['SYNCED', 'PENDING'],
);
// A supplier's arrival: the organisation's PENDING products that name it.
productSchema.index({ orgId: 1, supplierExternalId: 1, syncStatus: 1 });

/** The products model, registered on `connection`. */
export function productModel(connection: Connection): Model<ProductDocument> {
  return modelOn(connection, 'Product', productSchema);
}
