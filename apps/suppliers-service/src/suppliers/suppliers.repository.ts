import { createDocumentLock } from '@eudr/service-kit';
import { mongo } from 'mongoose';
import type { Connection } from 'mongoose';
import { supplierModel } from './supplier.model';
import type { PendingSupplierEvent, SupplierDocument } from './supplier.model';

/** The fields one update sets; absent keys are left as stored. */
export type SupplierChanges = Partial<
  Omit<SupplierDocument, '_id' | 'orgId' | 'externalId' | 'version' | 'createdAt' | 'pendingEvent'>
>;

/** An update of an existing supplier of the organisation. */
export interface SupplierUpdate {
  /** The stored `_id` (internalId), as read by the preceding find. */
  internalId: string;
  externalId: string;
  changes: SupplierChanges;
  pendingEvent: PendingSupplierEvent;
}

/** What {@link SuppliersRepository.write} did, by externalId. Records in neither set were written. */
export interface WriteOutcome {
  /** Inserts that lost to a record with the same externalId created meanwhile: retry them as updates. */
  alreadyExists: Set<string>;
  /** Writes the database refused for another reason, with the reason for the log. */
  failed: Map<string, string>;
}

/** A page of suppliers and the total matching the filter. */
export interface SupplierPage {
  items: SupplierDocument[];
  total: number;
}

/** Queries on the suppliers collection; every result is a plain object, every query scoped to `orgId`. */
export interface SuppliersRepository {
  /** The organisation's suppliers with these externalIds (unknown ones are simply absent). */
  findByExternalIds(orgId: string, externalIds: readonly string[]): Promise<SupplierDocument[]>;
  findByExternalId(orgId: string, externalId: string): Promise<SupplierDocument | null>;
  /**
   * Inserts and updates in one unordered bulkWrite round trip. Inserts carry the organisation already
   * (`insert.orgId` must equal `orgId`). A record's write failing never stops the others.
   */
  write(
    orgId: string,
    inserts: readonly SupplierDocument[],
    updates: readonly SupplierUpdate[],
  ): Promise<WriteOutcome>;
  /** Suppliers ordered by lastSyncedAt then externalId, optionally only those synced after `since`. */
  list(
    orgId: string,
    query: { page: number; limit: number; since?: Date | undefined },
  ): Promise<SupplierPage>;
  /** Clears each supplier's pending event if it is still the given one (a newer write keeps its own). */
  clearPendingEvents(
    orgId: string,
    events: readonly { externalId: string; eventId: string }[],
  ): Promise<void>;
  /**
   * Suppliers of every organisation whose event has been pending since `olderThan` or before, oldest
   * first. For the relay only: it publishes on behalf of the whole service, not of one caller.
   */
  findPendingEvents(olderThan: Date, limit: number): Promise<SupplierDocument[]>;
}

const DUPLICATE_KEY = 11000;

/** The suppliers repository on `connection`. */
export function createSuppliersRepository(connection: Connection): SuppliersRepository {
  const Supplier = supplierModel(connection);
  // A request's update and the clearing of an earlier request's pending event can hit one supplier at
  // the same time; both take its `orgId:externalId` (see DocumentLock: FerretDB would write back the
  // document as it was before the update).
  const lock = createDocumentLock();
  const lockKey = (orgId: string, externalId: string): string => `${orgId}:${externalId}`;

  return {
    findByExternalIds(orgId, externalIds) {
      if (externalIds.length === 0) return Promise.resolve([]);
      return Supplier.find({ orgId, externalId: { $in: [...externalIds] } })
        .lean<SupplierDocument[]>()
        .exec();
    },

    findByExternalId(orgId, externalId) {
      return Supplier.findOne({ orgId, externalId }).lean<SupplierDocument>().exec();
    },

    async write(orgId, inserts, updates) {
      const outcome: WriteOutcome = { alreadyExists: new Set(), failed: new Map() };
      // Index i of `operations` is the i-th insert, then the updates: write errors name that index.
      const keys = [...inserts.map((doc) => doc.externalId), ...updates.map((update) => update.externalId)];
      const operations: mongo.AnyBulkWriteOperation<SupplierDocument>[] = [
        ...inserts.map((document) => {
          if (document.orgId !== orgId) throw new Error('an insert belongs to another organisation');
          return { insertOne: { document } };
        }),
        // updateMany on a unique key rather than updateOne: FerretDB v1 (SQLite) keeps a connection
        // for every updateOne of one command until the command ends, and its pool has 100, so a
        // command with 100 or more updateOne statements never returns. An updateMany reads its cursor
        // to the end, which releases the connection. With `_id` in the filter it matches at most one
        // document on any server.
        ...updates.map(({ internalId, changes, pendingEvent }) => ({
          updateMany: {
            filter: { _id: internalId, orgId },
            update: { $set: { ...changes, pendingEvent }, $inc: { version: 1 } },
          },
        })),
      ];
      if (operations.length === 0) return outcome;
      try {
        // Driver-level rather than mongoose's bulkWrite: the documents are complete already, and the
        // driver reports each failed operation by index without stopping the others (ordered: false).
        await lock.run(
          updates.map((update) => lockKey(orgId, update.externalId)),
          () =>
            Supplier.collection.bulkWrite(operations as mongo.AnyBulkWriteOperation[], { ordered: false }),
        );
      } catch (err) {
        if (!(err instanceof mongo.MongoBulkWriteError)) throw err;
        const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
        for (const writeError of writeErrors) {
          const key = keys[writeError.index];
          if (key === undefined) continue;
          if (writeError.code === DUPLICATE_KEY && writeError.index < inserts.length) {
            outcome.alreadyExists.add(key);
          } else {
            outcome.failed.set(key, writeError.errmsg ?? `write error ${writeError.code}`);
          }
        }
      }
      return outcome;
    },

    async list(orgId, { page, limit, since }) {
      const filter = since === undefined ? { orgId } : { orgId, lastSyncedAt: { $gt: since } };
      const [items, total] = await Promise.all([
        Supplier.find(filter)
          .sort({ lastSyncedAt: 1, externalId: 1 })
          .skip((page - 1) * limit)
          .limit(limit)
          .lean<SupplierDocument[]>()
          .exec(),
        Supplier.countDocuments(filter).exec(),
      ]);
      return { items, total };
    },

    async clearPendingEvents(orgId, events) {
      if (events.length === 0) return;
      // Event ids are unique, so matching any of them clears exactly the documents still holding their
      // own event from this batch; the externalIds let the unique index find them.
      await lock.run(
        events.map((event) => lockKey(orgId, event.externalId)),
        () =>
          Supplier.updateMany(
            {
              orgId,
              externalId: { $in: events.map((event) => event.externalId) },
              'pendingEvent.id': { $in: events.map((event) => event.eventId) },
            },
            { $set: { pendingEvent: null } },
          ).exec(),
      );
    },

    findPendingEvents(olderThan, limit) {
      return Supplier.find({ 'pendingEvent.occurredAt': { $lte: olderThan } })
        .sort({ 'pendingEvent.occurredAt': 1 })
        .limit(limit)
        .lean<SupplierDocument[]>()
        .exec();
    },
  };
}
