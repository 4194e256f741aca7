import { createDocumentLock } from '@eudr/service-kit';
import type { Connection } from 'mongoose';
import { mapLimited } from '../common/bulk-upsert';
import { orgKey } from '../common/ids';
import { listRecords } from '../common/record-store';
import type { RecordListQuery } from '../common/record-store';
import { pendingLinkModel, supplierProjectionModel } from './supplier-projection.model';
import type { SupplierProjectionDocument } from './supplier-projection.model';

/** The supplier projection and the pending product links; every query scoped to `orgId`. */
export interface SuppliersProjectionRepository {
  findOne(orgId: string, externalId: string): Promise<SupplierProjectionDocument | null>;
  /** The known suppliers among these externalIds. */
  findMany(orgId: string, externalIds: readonly string[]): Promise<SupplierProjectionDocument[]>;
  /** Stores the supplier unless a newer event was applied already; true when it was stored. */
  apply(doc: SupplierProjectionDocument): Promise<boolean>;
  remove(orgId: string, externalId: string): Promise<void>;
  list(
    orgId: string,
    query: RecordListQuery,
  ): Promise<{ items: SupplierProjectionDocument[]; total: number }>;
  count(orgId: string): Promise<number>;
  /** Records that these products wait for the supplier. */
  addPendingLinks(
    orgId: string,
    supplierExternalId: string,
    productExternalIds: readonly string[],
  ): Promise<void>;
  /** The products recorded as waiting for the supplier. */
  pendingLinks(orgId: string, supplierExternalId: string): Promise<string[]>;
  /** Forgets these products' links (after they were resolved). */
  removePendingLinks(
    orgId: string,
    supplierExternalId: string,
    productExternalIds: readonly string[],
  ): Promise<void>;
}

/** The repository on `connection`. */
export function createSuppliersProjectionRepository(connection: Connection): SuppliersProjectionRepository {
  const Supplier = supplierProjectionModel(connection).collection;
  const Link = pendingLinkModel(connection).collection;
  // Two product pushes naming the same unknown supplier, or a push and the supplier's arrival, update
  // one link document at the same time (see DocumentLock: FerretDB would keep one of the changes).
  const linkLock = createDocumentLock();

  async function findOne(orgId: string, externalId: string) {
    return (await Supplier.findOne({
      _id: orgKey(orgId, externalId),
    } as never)) as SupplierProjectionDocument | null;
  }

  return {
    findOne,

    async findMany(orgId, externalIds) {
      // A request names few distinct suppliers: exact `_id` reads beat a scan of the projection.
      const found = await mapLimited([...new Set(externalIds)], 4, (id) => findOne(orgId, id));
      return found.filter((doc): doc is SupplierProjectionDocument => doc !== null);
    },

    async apply(doc) {
      // One consumer per partition and events of one supplier on one partition: no concurrent writer
      // of this `_id`, so read-then-write is safe; the date check makes replays harmless.
      const stored = await findOne(doc.orgId, doc.externalId);
      if (stored !== null && stored.occurredAt.getTime() > doc.occurredAt.getTime()) return false;
      await Supplier.replaceOne({ _id: doc._id } as never, doc, { upsert: true });
      return true;
    },

    async remove(orgId, externalId) {
      await Supplier.deleteOne({ _id: orgKey(orgId, externalId) } as never);
    },

    list: (orgId, query) => listRecords<SupplierProjectionDocument>(Supplier, orgId, query),

    count(orgId) {
      return Supplier.countDocuments({ orgId } as never);
    },

    async addPendingLinks(orgId, supplierExternalId, productExternalIds) {
      if (productExternalIds.length === 0) return;
      const id = orgKey(orgId, supplierExternalId);
      await linkLock.run(id, () =>
        Link.updateOne(
          { _id: id } as never,
          {
            $setOnInsert: { orgId, supplierExternalId },
            $addToSet: { productExternalIds: { $each: [...productExternalIds] } },
          } as never,
          { upsert: true },
        ),
      );
    },

    async pendingLinks(orgId, supplierExternalId) {
      const link = (await Link.findOne({ _id: orgKey(orgId, supplierExternalId) } as never)) as {
        productExternalIds?: string[];
      } | null;
      return link?.productExternalIds ?? [];
    },

    async removePendingLinks(orgId, supplierExternalId, productExternalIds) {
      if (productExternalIds.length === 0) return;
      const id = orgKey(orgId, supplierExternalId);
      await linkLock.run(id, () =>
        Link.updateOne(
          { _id: id } as never,
          { $pullAll: { productExternalIds: [...productExternalIds] } } as never,
        ),
      );
    },
  };
}
