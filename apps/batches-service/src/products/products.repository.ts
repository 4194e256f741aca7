import type { Connection, mongo } from 'mongoose';
import { createRecordStore } from '@eudr/records';
import type { RecordStore } from '@eudr/records';
import { productModel } from './product.model';
import type { ProductDocument } from './product.model';

/** The product records, plus the link of PENDING products to the supplier they wait for. */
export interface ProductsRepository extends RecordStore<ProductDocument> {
  /** Whether the organisation has PENDING products naming this supplier. */
  hasPending(orgId: string, supplierExternalId: string): Promise<boolean>;
  /**
   * Marks the organisation's PENDING products naming this supplier SYNCED (`lastSyncedAt` = `at`),
   * stamped with `writeId`, and returns the ones this call changed, as written.
   */
  markSynced(
    orgId: string,
    supplierExternalId: string,
    at: Date,
    writeId: mongo.ObjectId,
  ): Promise<ProductDocument[]>;
}

/** The products repository on `connection`. */
export function createProductsRepository(connection: Connection): ProductsRepository {
  const model = productModel(connection);
  const products = connection.collection<ProductDocument>(model.collection.collectionName);
  return {
    ...createRecordStore(model),

    async hasPending(orgId, supplierExternalId) {
      return (
        (await products.countDocuments({ orgId, supplierExternalId, syncStatus: 'PENDING' }, { limit: 1 })) >
        0
      );
    },

    async markSynced(orgId, supplierExternalId, at, writeId) {
      // Each product is changed by whichever marking reaches it first while it is PENDING (the
      // consumer, or an upsert that saw the supplier arrive, in any replica); only that one finds it
      // under its own writeId afterwards, so each change is announced once.
      await products.updateMany(
        { orgId, supplierExternalId, syncStatus: 'PENDING' },
        { $set: { syncStatus: 'SYNCED', lastSyncedAt: at, updatedAt: at, writeId }, $inc: { version: 1 } },
      );
      return products.find({ orgId, supplierExternalId, writeId }).toArray();
    },
  };
}
