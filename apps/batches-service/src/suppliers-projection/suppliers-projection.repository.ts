import type { Connection } from 'mongoose';
import { listRecords } from '@eudr/records';
import { findDuplicateKey } from '@eudr/service-kit';
import type { FoundPage } from '@eudr/service-kit';
import type { RecordListQuery } from '@eudr/records';
import { supplierProjectionModel } from './supplier-projection.model';
import type { SupplierProjectionDocument } from './supplier-projection.model';

/** The supplier projection; every query scoped to `orgId`. */
export interface SuppliersProjectionRepository {
  findOne(orgId: string, externalId: string): Promise<SupplierProjectionDocument | null>;
  /** The known suppliers among these externalIds. */
  findMany(orgId: string, externalIds: readonly string[]): Promise<SupplierProjectionDocument[]>;
  /** Stores the supplier unless a newer event was applied already; true when it was stored. */
  apply(doc: SupplierProjectionDocument): Promise<boolean>;
  remove(orgId: string, externalId: string): Promise<void>;
  list(orgId: string, query: RecordListQuery): Promise<FoundPage<SupplierProjectionDocument>>;
  count(orgId: string): Promise<number>;
}

/** The repository on `connection`. */
export function createSuppliersProjectionRepository(connection: Connection): SuppliersProjectionRepository {
  const suppliers = connection.collection<SupplierProjectionDocument>(
    supplierProjectionModel(connection).collection.collectionName,
  );

  return {
    findOne(orgId, externalId) {
      return suppliers.findOne({ orgId, externalId });
    },

    async findMany(orgId, externalIds) {
      if (externalIds.length === 0) return [];
      return suppliers.find({ orgId, externalId: { $in: [...new Set(externalIds)] } }).toArray();
    },

    async apply(doc) {
      // An upsert conditional on the stored event being no newer: one atomic step whoever else writes.
      // When a newer event is stored, the filter misses it and the insert hits the unique index. The
      // second attempt covers the first insert of a supplier racing another (a consumer rebalance).
      const filter = { orgId: doc.orgId, externalId: doc.externalId, occurredAt: { $lte: doc.occurredAt } };
      for (let attempt = 1; ; attempt += 1) {
        try {
          await suppliers.updateOne(filter, { $set: doc }, { upsert: true });
          return true;
        } catch (err) {
          if (findDuplicateKey(err) === undefined) throw err;
          if (attempt === 2) return false;
        }
      }
    },

    async remove(orgId, externalId) {
      await suppliers.deleteOne({ orgId, externalId });
    },

    list: (orgId, query) => listRecords(suppliers, orgId, query),

    count(orgId) {
      return suppliers.countDocuments({ orgId });
    },
  };
}
