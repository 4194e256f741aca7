import { mongo } from 'mongoose';
import type { Model } from 'mongoose';

/** What products and batches store besides their own fields. */
export interface RecordDocumentBase {
  /** The public id (`prd_…`, `bat_…`), shown as `internalId`. */
  _id: string;
  orgId: string;
  /** The caller's id, unique within the organisation. */
  externalId: string;
  /** The integration that wrote the current state. */
  integrationId: string;
  syncStatus: 'SYNCED' | 'PENDING';
  lastSyncedAt: Date;
  /** Incremented by every write; starts at 1. */
  version: number;
  /** The outbox document of the write that changed the record last (see `events/event-outbox.ts`). */
  writeId: mongo.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

/** One record of a bulk upsert. */
export interface RecordUpsert<D> {
  externalId: string;
  /** Fields set whether the record is new or not. */
  set: Partial<D>;
  /** Fields set only when the record is new (none of them in `set`). */
  setOnInsert: Partial<D>;
}

/** What the upsert of one record did. */
export type UpsertResult = { status: 'CREATED' | 'UPDATED' } | { status: 'ERROR'; reason: string };

/** A page of records and the total matching the filter. */
export interface RecordPage<D> {
  items: D[];
  total: number;
}

/** Filter and page of a record list. */
export interface RecordListQuery {
  page: number;
  limit: number;
  since?: Date | undefined;
  /** Only these externalIds. */
  externalIds?: readonly string[] | undefined;
}

/** Queries on a collection of records unique by `(orgId, externalId)`; every query scoped to `orgId`. */
export interface RecordStore<D extends RecordDocumentBase> {
  findOne(orgId: string, externalId: string): Promise<D | null>;
  /** The organisation's records with these externalIds (unknown ones are simply absent). */
  findMany(orgId: string, externalIds: readonly string[]): Promise<D[]>;
  /**
   * Creates or updates each record, matched on `(orgId, externalId)`, incrementing `version`, in one
   * unordered command; results in the order given.
   */
  upsert(orgId: string, records: readonly RecordUpsert<D>[]): Promise<UpsertResult[]>;
  /** Records ordered by lastSyncedAt then externalId. */
  list(orgId: string, query: RecordListQuery): Promise<RecordPage<D>>;
  count(orgId: string): Promise<number>;
  /** The records that `writeId` changed last (the relay's recovery of a write that died). */
  findByWrite(writeId: mongo.ObjectId): Promise<D[]>;
}

/** The fields every listed collection has. */
interface Listed {
  orgId: string;
  externalId: string;
  lastSyncedAt: Date;
}

/**
 * One organisation's documents of `collection`, ordered by lastSyncedAt then externalId (unique within
 * the organisation, so pages are stable): the list of the record stores and of the supplier projection.
 */
export async function listRecords<D extends Listed>(
  collection: mongo.Collection<D>,
  orgId: string,
  { page, limit, since, externalIds }: RecordListQuery,
): Promise<RecordPage<D>> {
  const filter: mongo.Filter<Listed> = { orgId };
  if (since !== undefined) filter.lastSyncedAt = { $gt: since };
  if (externalIds !== undefined) filter.externalId = { $in: [...externalIds] };
  const records = collection as unknown as mongo.Collection<Listed>;
  const [items, total] = await Promise.all([
    records
      .find(filter)
      .sort({ lastSyncedAt: 1, externalId: 1 })
      .skip((page - 1) * limit)
      .limit(limit)
      .toArray(),
    records.countDocuments(filter),
  ]);
  return { items: items as unknown as D[], total };
}

/** The record store over `model`'s collection. Queries go through the driver: documents are complete. */
export function createRecordStore<D extends RecordDocumentBase>(model: Model<D>): RecordStore<D> {
  const collection = model.db.collection<D>(model.collection.collectionName);
  // Queries touch only the common fields, which the driver cannot type over a generic D: the
  // collection is viewed through them once, here.
  const records = collection as unknown as mongo.Collection<RecordDocumentBase>;

  return {
    async findOne(orgId, externalId) {
      return (await records.findOne({ orgId, externalId })) as D | null;
    },

    async findMany(orgId, externalIds) {
      if (externalIds.length === 0) return [];
      return (await records.find({ orgId, externalId: { $in: [...new Set(externalIds)] } }).toArray()) as D[];
    },

    async upsert(orgId, upserts) {
      if (upserts.length === 0) return [];
      // A concurrent upsert of the same new record (another request, another replica) makes the unique
      // index refuse one of the two inserts; MongoDB retries that upsert as an update by itself, since
      // the filter is exactly the unique key.
      const operations = upserts.map(({ externalId, set, setOnInsert }) => ({
        updateOne: {
          filter: { orgId, externalId },
          update: { $set: set, $setOnInsert: setOnInsert, $inc: { version: 1 } },
          upsert: true,
        },
      })) as unknown as mongo.AnyBulkWriteOperation<RecordDocumentBase>[];
      let result: mongo.BulkWriteResult;
      let writeErrors: mongo.WriteError[] = [];
      try {
        result = await records.bulkWrite(operations, { ordered: false });
      } catch (err) {
        if (!(err instanceof mongo.MongoBulkWriteError)) throw err;
        result = err.result;
        writeErrors = [err.writeErrors].flat();
      }
      const failed = new Map(writeErrors.map((e) => [e.index, e.errmsg ?? `write error ${e.code}`]));
      const created = new Set(Object.keys(result.upsertedIds).map(Number));
      return upserts.map((_, index): UpsertResult => {
        const reason = failed.get(index);
        if (reason !== undefined) return { status: 'ERROR', reason };
        return { status: created.has(index) ? 'CREATED' : 'UPDATED' };
      });
    },

    list: (orgId, query) => listRecords(collection, orgId, query),

    count(orgId) {
      return records.countDocuments({ orgId });
    },

    async findByWrite(writeId) {
      return (await records.find({ writeId }).toArray()) as D[];
    },
  };
}
