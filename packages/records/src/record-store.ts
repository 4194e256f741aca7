import { mongo } from 'mongoose';
import type { Model } from 'mongoose';
import { findPage, isDuplicateKeyCode } from '@eudr/service-kit';
import type { FoundPage } from '@eudr/service-kit';

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
  /** The outbox document of the write that changed the record last (the outbox of `@eudr/events`). */
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
  list(orgId: string, query: RecordListQuery): Promise<FoundPage<D>>;
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
 * The driver cannot check a filter or update against a generic document type: they are written
 * against the fields every record has, and handed over here, once.
 */
const filterOf = <D>(filter: mongo.Filter<Listed & { writeId: mongo.ObjectId }>) => filter as mongo.Filter<D>;

/**
 * One organisation's documents of `collection`, ordered by lastSyncedAt then externalId (unique within
 * the organisation, so pages are stable): the list of the record stores and of the supplier projection.
 */
export function listRecords<D extends Listed>(
  collection: mongo.Collection<D>,
  orgId: string,
  { since, externalIds, ...request }: RecordListQuery,
): Promise<FoundPage<D>> {
  const filter: mongo.Filter<Listed> = { orgId };
  if (since !== undefined) filter.lastSyncedAt = { $gt: since };
  if (externalIds !== undefined) filter.externalId = { $in: [...externalIds] };
  return findPage(collection, filterOf<D>(filter), { lastSyncedAt: 1, externalId: 1 }, request);
}

/** One bulkWrite's outcome by operation index: which ones inserted, and the refused ones' errors. */
async function bulkUpsert<D extends Listed>(
  collection: mongo.Collection<D>,
  operations: readonly mongo.AnyBulkWriteOperation<D>[],
): Promise<{ upserted: Set<number>; errors: Map<number, { code: number; message: string }> }> {
  const upsertedOf = (ids: Record<number, unknown>) => new Set(Object.keys(ids).map(Number));
  try {
    const result = await collection.bulkWrite([...operations], { ordered: false });
    return { upserted: upsertedOf(result.upsertedIds), errors: new Map() };
  } catch (err) {
    if (!(err instanceof mongo.MongoBulkWriteError)) throw err;
    const writeErrors = [err.writeErrors].flat();
    return {
      upserted: upsertedOf(err.result.upsertedIds),
      errors: new Map(writeErrors.map((e) => [e.index, { code: e.code, message: e.errmsg ?? '' }])),
    };
  }
}

/**
 * Upserts records of one organisation matched on `(orgId, externalId)` in one unordered bulkWrite of
 * updateOne operations (only those: the driver numbers the upsertedIds of a mixed command per
 * operation type), results in the order given; a record reports CREATED when its upsert inserted.
 * Two replicas inserting the same new externalId at once may both miss the match; the unique index
 * refuses one with a duplicate key, and retrying it once updates the winner's document (MongoDB
 * retries this itself since 4.2; the retry keeps it correct everywhere).
 */
export async function upsertByExternalId<D extends Listed>(
  collection: mongo.Collection<D>,
  orgId: string,
  // A plain document: the driver cannot check an update against a generic document type.
  writes: readonly { externalId: string; update: mongo.Document }[],
): Promise<UpsertResult[]> {
  const operations = writes.map(({ externalId, update }): mongo.AnyBulkWriteOperation<D> => ({
    updateOne: { filter: filterOf<D>({ orgId, externalId }), update, upsert: true },
  }));
  const results: UpsertResult[] = writes.map(() => ({ status: 'UPDATED' }));
  let pending = writes.map((_, i) => i);
  for (let attempt = 1; attempt <= 2 && pending.length > 0; attempt += 1) {
    const batch = pending;
    const outcome = await bulkUpsert(
      collection,
      batch.map((i) => operations[i] as mongo.AnyBulkWriteOperation<D>),
    );
    pending = [];
    outcome.upserted.forEach((j) => (results[batch[j] as number] = { status: 'CREATED' }));
    for (const [j, error] of outcome.errors) {
      const i = batch[j] as number;
      if (isDuplicateKeyCode(error.code) && attempt === 1) pending.push(i);
      else results[i] = { status: 'ERROR', reason: error.message || `write error ${error.code}` };
    }
  }
  return results;
}

/** The record store over `model`'s collection. Queries go through the driver: documents are complete. */
export function createRecordStore<D extends RecordDocumentBase>(model: Model<D>): RecordStore<D> {
  const collection = model.db.collection<D>(model.collection.collectionName);
  return {
    async findOne(orgId, externalId) {
      return collection.findOne(filterOf<D>({ orgId, externalId })) as Promise<D | null>;
    },

    async findMany(orgId, externalIds) {
      if (externalIds.length === 0) return [];
      const filter = filterOf<D>({ orgId, externalId: { $in: [...new Set(externalIds)] } });
      return (await collection.find(filter).toArray()) as D[];
    },

    async upsert(orgId, upserts) {
      if (upserts.length === 0) return [];
      return upsertByExternalId(
        collection,
        orgId,
        upserts.map(({ externalId, set, setOnInsert }) => ({
          externalId,
          update: { $set: set, $setOnInsert: setOnInsert, $inc: { version: 1 } },
        })),
      );
    },

    list: (orgId, query) => listRecords(collection, orgId, query),

    count(orgId) {
      return collection.countDocuments(filterOf<D>({ orgId }));
    },

    async findByWrite(writeId) {
      return (await collection.find(filterOf<D>({ writeId })).toArray()) as D[];
    },
  };
}
