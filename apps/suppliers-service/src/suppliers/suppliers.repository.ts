import { mongo } from 'mongoose';
import type { Connection } from 'mongoose';
import { supplierModel } from './supplier.model';
import type { PendingSupplierEvent, SupplierDocument } from './supplier.model';
import { OPTIONAL_SUPPLIER_FIELDS } from './suppliers.schemas';

/** The fields one write sets; absent keys are left as stored. */
export type SupplierChanges = Partial<
  Omit<
    SupplierDocument,
    '_id' | 'orgId' | 'externalId' | 'version' | 'createdAt' | 'pendingEvent' | 'createEventId'
  >
>;

/** One record of {@link SuppliersRepository.upsert}. */
export interface SupplierWrite {
  externalId: string;
  changes: SupplierChanges;
  /** The event this write owes; it replaces any event of the supplier still pending. */
  pendingEvent: PendingSupplierEvent;
  /** What the supplier gets only if this write creates it. */
  onInsert: { _id: string; createdAt: Date };
}

/** What one write came to: the document as read right after the write, or why it was refused. */
export type SupplierWriteResult =
  { status: 'CREATED' | 'UPDATED'; document: SupplierDocument } | { status: 'ERROR'; reason: string };

/** A supplier at the version whose pending event the broker acknowledged. */
export interface PublishedVersion {
  _id: string;
  version: number;
}

/** A page of suppliers and the total matching the filter. */
export interface SupplierPage {
  items: SupplierDocument[];
  total: number;
}

/** Queries on the suppliers collection; every result is a plain object, every query scoped to `orgId`. */
export interface SuppliersRepository {
  findByExternalId(orgId: string, externalId: string): Promise<SupplierDocument | null>;
  /**
   * Creates or updates each supplier by externalId in one unordered bulkWrite, then reads them back
   * in one query. Results are in the order of `writes`, whose externalIds must be distinct. A record's
   * write failing never stops the others.
   */
  upsert(orgId: string, writes: readonly SupplierWrite[]): Promise<SupplierWriteResult[]>;
  /** Suppliers ordered by lastSyncedAt then externalId, optionally only those synced after `since`. */
  list(
    orgId: string,
    query: { page: number; limit: number; since?: Date | undefined },
  ): Promise<SupplierPage>;
  /**
   * Clears the pending event (and the pending create) of each supplier still at the given version. A
   * supplier written again since keeps its newer event.
   */
  clearPendingEvents(orgId: string, published: readonly PublishedVersion[]): Promise<void>;
  /**
   * Suppliers of every organisation whose event has been pending since `olderThan` or before, oldest
   * first. For the relay only: it publishes on behalf of the whole service, not of one caller.
   */
  findPendingEvents(olderThan: Date, limit: number): Promise<SupplierDocument[]>;
}

const DUPLICATE_KEY = 11000;

type UpsertOperation = mongo.AnyBulkWriteOperation<SupplierDocument>;

/** One bulkWrite's outcome by operation index: which ones inserted, and the refused ones' errors. */
interface BulkOutcome {
  upserted: Set<number>;
  errors: Map<number, { code: number; message: string }>;
}

/** The suppliers repository on `connection`. */
export function createSuppliersRepository(connection: Connection): SuppliersRepository {
  // The model declares the indexes; queries use the typed driver collection under it.
  const suppliers = connection.collection<SupplierDocument>(supplierModel(connection).collection.name);

  // Only updateOne operations: the driver numbers the upsertedIds of an unordered bulkWrite that mixes
  // operation types within each type's batch, not in the request.
  async function bulkUpsert(operations: readonly UpsertOperation[]): Promise<BulkOutcome> {
    const upsertedOf = (ids: Record<number, unknown>) => new Set(Object.keys(ids).map(Number));
    try {
      const result = await suppliers.bulkWrite([...operations], { ordered: false });
      return { upserted: upsertedOf(result.upsertedIds), errors: new Map() };
    } catch (err) {
      if (!(err instanceof mongo.MongoBulkWriteError)) throw err;
      const writeErrors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
      return {
        upserted: upsertedOf(err.result.upsertedIds),
        errors: new Map(writeErrors.map((e) => [e.index, { code: e.code, message: e.errmsg ?? '' }])),
      };
    }
  }

  return {
    findByExternalId(orgId, externalId) {
      return suppliers.findOne({ orgId, externalId });
    },

    async upsert(orgId, writes) {
      if (writes.length === 0) return [];
      const operations = writes.map(({ externalId, changes, pendingEvent, onInsert }): UpsertOperation => {
        // A new supplier stores null for every optional field the record leaves out ($setOnInsert may
        // not name a field that $set names).
        const absent = OPTIONAL_SUPPLIER_FIELDS.filter((field) => !(field in changes));
        return {
          updateOne: {
            filter: { orgId, externalId },
            update: {
              $set: { ...changes, pendingEvent },
              $inc: { version: 1 },
              $setOnInsert: {
                ...onInsert,
                ...Object.fromEntries(absent.map((field) => [field, null])),
                createEventId: pendingEvent.id,
              },
            },
            upsert: true,
          },
        };
      });

      const created = new Set<number>();
      const refused = new Map<number, string>();
      // Two replicas upserting the same new externalId at once may both try to insert; the unique
      // index refuses one with a duplicate key, and retrying it once updates the winner's document
      // (MongoDB retries this case itself since 4.2; the retry keeps it correct everywhere).
      let indexes = writes.map((_, i) => i);
      for (let attempt = 1; attempt <= 2 && indexes.length > 0; attempt += 1) {
        const batch = indexes;
        const outcome = await bulkUpsert(batch.map((i) => operations[i] as UpsertOperation));
        indexes = [];
        outcome.upserted.forEach((j) => created.add(batch[j] as number));
        for (const [j, error] of outcome.errors) {
          const i = batch[j] as number;
          if (error.code === DUPLICATE_KEY && attempt === 1) indexes.push(i);
          else refused.set(i, error.message || `write error ${error.code}`);
        }
      }

      const written = writes.filter((_, i) => !refused.has(i)).map((write) => write.externalId);
      const documents = await suppliers.find({ orgId, externalId: { $in: written } }).toArray();
      const byExternalId = new Map(documents.map((doc) => [doc.externalId, doc]));
      return writes.map((write, i): SupplierWriteResult => {
        const reason = refused.get(i);
        const document = byExternalId.get(write.externalId);
        if (reason !== undefined) return { status: 'ERROR', reason };
        if (document === undefined) return { status: 'ERROR', reason: 'not found after its write' };
        return { status: created.has(i) ? 'CREATED' : 'UPDATED', document };
      });
    },

    async list(orgId, { page, limit, since }) {
      const filter = since === undefined ? { orgId } : { orgId, lastSyncedAt: { $gt: since } };
      const [items, total] = await Promise.all([
        suppliers
          .find(filter)
          .sort({ lastSyncedAt: 1, externalId: 1 })
          .skip((page - 1) * limit)
          .limit(limit)
          .toArray(),
        suppliers.countDocuments(filter),
      ]);
      return { items, total };
    },

    async clearPendingEvents(orgId, published) {
      if (published.length === 0) return;
      await suppliers.bulkWrite(
        published.map(({ _id, version }) => ({
          updateOne: {
            filter: { _id, orgId, version },
            update: { $set: { pendingEvent: null, createEventId: null } },
          },
        })),
        { ordered: false },
      );
    },

    findPendingEvents(olderThan, limit) {
      return suppliers
        .find({ 'pendingEvent.occurredAt': { $lte: olderThan } })
        .sort({ 'pendingEvent.occurredAt': 1 })
        .limit(limit)
        .toArray();
    },
  };
}
