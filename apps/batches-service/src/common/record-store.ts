import { mongo } from 'mongoose';
import type { Model } from 'mongoose';
import { chunkedBulkWrite, createDocumentLock } from '@eudr/service-kit';
import { mapLimited } from './bulk-upsert';
import { orgKey } from './ids';

/** What products and batches store besides their own fields. */
export interface RecordDocumentBase {
  /** `orgId:externalId` (see `orgKey`): every lookup by externalId is an exact `_id` match. */
  _id: string;
  /** The public internal id (`prd_…`, `bat_…`). */
  internalId: string;
  orgId: string;
  externalId: string;
  /** The integration that wrote the current state. */
  integrationId: string;
  syncStatus: 'SYNCED' | 'PENDING';
  lastSyncedAt: Date;
  /** Incremented by every write; starts at 1. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** An update of an existing record of the organisation. */
export interface RecordUpdate<D> {
  externalId: string;
  changes: Partial<D>;
}

/** What a write did, by externalId. Records in neither set were written. */
export interface WriteOutcome {
  /** Inserts that found a record with the same externalId: update those instead. */
  alreadyExists: Set<string>;
  /** Writes the database refused for another reason, with the reason for the log. */
  failed: Map<string, string>;
}

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

/** Queries on a collection of records keyed by `orgId:externalId`; every query scoped to `orgId`. */
export interface RecordStore<D extends RecordDocumentBase> {
  /** The organisation's records with these externalIds (unknown ones are simply absent). */
  findMany(orgId: string, externalIds: readonly string[]): Promise<D[]>;
  findOne(orgId: string, externalId: string): Promise<D | null>;
  /** Inserts in one unordered command; an existing `_id` is reported in `alreadyExists`. */
  insert(orgId: string, documents: readonly D[]): Promise<WriteOutcome>;
  /** Updates by `_id`, each setting `changes` and incrementing `version`. */
  update(orgId: string, updates: readonly RecordUpdate<D>[]): Promise<WriteOutcome>;
  /**
   * Sets `changes` on one record if it is still at `version`; returns the record
   * as written, or null when it changed meanwhile (or does not exist).
   */
  updateIfVersion(orgId: string, externalId: string, version: number, changes: Partial<D>): Promise<D | null>;
  /** Records ordered by lastSyncedAt then externalId. */
  list(orgId: string, query: RecordListQuery): Promise<RecordPage<D>>;
  count(orgId: string): Promise<number>;
}

/**
 * Up to this many externalIds are read with one exact `_id` query each (about 1 ms apiece on FerretDB
 * v1, whatever the collection's size); more are read with one `$in` query, which FerretDB answers with
 * a scan of the whole collection (about 50 ms per 1,000 stored documents). The crossing point depends
 * on the collection's size; 40 point queries cost about as much as scanning 1,000 documents.
 */
const POINT_LOOKUP_MAX = 40;
/** Point lookups in flight at once: more only queue inside the server's SQLite pool. */
const POINT_LOOKUP_CONCURRENCY = 4;
const DUPLICATE_KEY = 11000;

function writeErrorsOf(err: unknown): { index: number; code: number | undefined; errmsg?: string }[] {
  if (!(err instanceof mongo.MongoBulkWriteError)) throw err;
  const raw: unknown = err.writeErrors;
  return (Array.isArray(raw) ? raw : [raw]) as { index: number; code: number | undefined; errmsg?: string }[];
}

/**
 * One organisation's documents of `collection` (keyed `org:externalId`, with `lastSyncedAt`), ordered
 * by lastSyncedAt then externalId: the list of the record stores and of the supplier projection.
 */
export async function listRecords<D>(
  collection: Model<D>['collection'],
  orgId: string,
  { page, limit, since, externalIds }: RecordListQuery,
): Promise<RecordPage<D>> {
  const filter: Record<string, unknown> = { orgId };
  if (since !== undefined) filter['lastSyncedAt'] = { $gt: since };
  if (externalIds !== undefined) filter['_id'] = { $in: externalIds.map((id) => orgKey(orgId, id)) };
  const [items, total] = await Promise.all([
    collection
      .find(filter as never)
      .sort({ lastSyncedAt: 1, externalId: 1 })
      .skip((page - 1) * limit)
      .limit(limit)
      .toArray(),
    collection.countDocuments(filter as never),
  ]);
  return { items: items as unknown as D[], total };
}

/** The record store over `model`'s collection. Writes go through the driver: documents are complete. */
export function createRecordStore<D extends RecordDocumentBase>(model: Model<D>): RecordStore<D> {
  const collection = model.collection;
  // A client's change and the supplier consumer's SYNCED mark can hit one record at the same time; every
  // update takes the record's `_id` (see DocumentLock: FerretDB loses concurrent updates).
  const lock = createDocumentLock();

  async function findOne(orgId: string, externalId: string): Promise<D | null> {
    return (await collection.findOne({ _id: orgKey(orgId, externalId) } as never)) as D | null;
  }

  return {
    async findMany(orgId, externalIds) {
      const unique = [...new Set(externalIds)];
      if (unique.length === 0) return [];
      if (unique.length <= POINT_LOOKUP_MAX) {
        const found = await mapLimited(unique, POINT_LOOKUP_CONCURRENCY, (id) => findOne(orgId, id));
        return found.filter((doc): doc is NonNullable<typeof doc> => doc !== null);
      }
      return (await collection
        .find({ _id: { $in: unique.map((id) => orgKey(orgId, id)) } } as never)
        .toArray()) as unknown as D[];
    },

    findOne,

    async insert(orgId, documents) {
      const outcome: WriteOutcome = { alreadyExists: new Set(), failed: new Map() };
      if (documents.length === 0) return outcome;
      for (const doc of documents) {
        if (doc.orgId !== orgId || doc._id !== orgKey(orgId, doc.externalId)) {
          throw new Error('an insert belongs to another organisation');
        }
      }
      try {
        // Inserts never hit FerretDB's large-update hang, so one command carries all of them.
        await collection.insertMany(documents as never[], { ordered: false });
      } catch (err) {
        for (const writeError of writeErrorsOf(err)) {
          const key = documents[writeError.index]?.externalId;
          if (key === undefined) continue;
          if (writeError.code === DUPLICATE_KEY) outcome.alreadyExists.add(key);
          else outcome.failed.set(key, writeError.errmsg ?? `write error ${writeError.code}`);
        }
      }
      return outcome;
    },

    async update(orgId, updates) {
      const outcome: WriteOutcome = { alreadyExists: new Set(), failed: new Map() };
      if (updates.length === 0) return outcome;
      // updateMany on `_id` (at most one match) in small chunks: see chunkedBulkWrite for FerretDB's
      // hang on update commands with about 100 matching statements.
      const result = await lock.run(
        updates.map(({ externalId }) => orgKey(orgId, externalId)),
        () =>
          chunkedBulkWrite(
            collection as unknown as Parameters<typeof chunkedBulkWrite<mongo.AnyBulkWriteOperation>>[0],
            updates.map(({ externalId, changes }) => ({
              updateMany: {
                filter: { _id: orgKey(orgId, externalId), orgId },
                update: { $set: changes, $inc: { version: 1 } },
              },
            })) as unknown as mongo.AnyBulkWriteOperation[],
          ),
      );
      for (const failure of result.writeErrors) {
        const key = updates[failure.index]?.externalId;
        if (key !== undefined) outcome.failed.set(key, failure.message);
      }
      return outcome;
    },

    async updateIfVersion(orgId, externalId, version, changes) {
      const id = orgKey(orgId, externalId);
      return (await lock.run(id, () =>
        collection.findOneAndUpdate(
          { _id: id, orgId, version } as never,
          { $set: changes, $inc: { version: 1 } } as never,
          { returnDocument: 'after' },
        ),
      )) as D | null;
    },

    list: (orgId, query) => listRecords<D>(collection, orgId, query),

    count(orgId) {
      return collection.countDocuments({ orgId } as never);
    },
  };
}
