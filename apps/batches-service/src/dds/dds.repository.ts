import type { DdsStatus } from '@eudr/events';
import type { Connection, mongo } from 'mongoose';
import { ddsCounterKey } from './dds-number';
import { ddsModels } from './dds.model';
import type { DdsCounterDocument, DdsDocument, DdsSubmission } from './dds.model';

/** One status change of a DDS, as {@link DdsRepository.changeStatus} writes it. */
export interface DdsStatusUpdate {
  to: DdsStatus;
  at: Date;
  adminSub: string;
  /** The new submission when moving to SUBMITTED. */
  submission: DdsSubmission | null;
  writeId: mongo.ObjectId;
}

/** Queries on the DDS collections; every query scoped to `orgId`. */
export interface DdsRepository {
  /**
   * Reserves `count` consecutive numbers of the organisation's counter for `year` with one atomic
   * `$inc`, and returns the first. Concurrent requests, in any replica, get disjoint ranges.
   */
  reserveNumbers(orgId: string, year: number, count: number): Promise<number>;
  insert(documents: readonly DdsDocument[]): Promise<void>;
  findByBatch(orgId: string, batchExternalId: string): Promise<DdsDocument | null>;
  findByNumber(orgId: string, ddsNumber: string): Promise<DdsDocument | null>;
  /**
   * Moves the DDS from `from` to `update.to` in one conditional update; returns the DDS as written, or
   * null when it is not (or no longer) at `from`. Of concurrent identical changes exactly one wins.
   */
  changeStatus(
    orgId: string,
    ddsNumber: string,
    from: DdsStatus,
    update: DdsStatusUpdate,
  ): Promise<DdsDocument | null>;
  /** The DDS that `writeId` changed last (the relay's recovery of a write that died). */
  findByWrite(writeId: mongo.ObjectId): Promise<DdsDocument[]>;
}

/** The latest submission is the only one SUBMITTED (a new one is added only once the last is decided). */
const PENDING = 'SUBMITTED';

/** The DDS repository on `connection`. */
export function createDdsRepository(connection: Connection): DdsRepository {
  const { Dds, DdsCounter } = ddsModels(connection);
  const dds = connection.collection<DdsDocument>(Dds.collection.collectionName);
  const counters = connection.collection<DdsCounterDocument>(DdsCounter.collection.collectionName);

  return {
    async reserveNumbers(orgId, year, count) {
      // The counter as it was before this $inc is where the reserved range starts. (`before` rather
      // than `after`: the pre-image is a copy on every server, while the local one hands back the
      // stored document itself, which a concurrent $inc can change before it is sent.)
      const before = await counters.findOneAndUpdate(
        { _id: ddsCounterKey(orgId, year) },
        { $inc: { seq: count } },
        { upsert: true, returnDocument: 'before' },
      );
      return (before?.seq ?? 0) + 1;
    },

    async insert(documents) {
      if (documents.length === 0) return;
      await dds.insertMany([...documents], { ordered: false });
    },

    findByBatch(orgId, batchExternalId) {
      return dds.findOne({ orgId, batchExternalId });
    },

    findByNumber(orgId, ddsNumber) {
      return dds.findOne({ orgId, ddsNumber });
    },

    async changeStatus(orgId, ddsNumber, from, { to, at, adminSub, submission, writeId }) {
      const change = { from, to, at, adminSub };
      const decides = to === 'APPROVED' || to === 'REJECTED';
      // Relative updates only ($push, the pending submission by its status), so the change is right
      // whatever the DDS went through since it was read; the filter on `from` makes it one winner.
      // Same `before` as above: the state written is computed from the pre-image.
      const before = await dds.findOneAndUpdate(
        { orgId, ddsNumber, status: from },
        {
          $set: {
            status: to,
            updatedAt: at,
            writeId,
            ...(decides ? { 'submissions.$[pending].status': to } : {}),
          },
          $push: { statusHistory: change, ...(submission === null ? {} : { submissions: submission }) },
          $inc: { version: 1 },
        },
        { returnDocument: 'before', ...(decides ? { arrayFilters: [{ 'pending.status': PENDING }] } : {}) },
      );
      if (before === null) return null;
      const submissions =
        submission !== null
          ? [...before.submissions, submission]
          : before.submissions.map((s) => (decides && s.status === PENDING ? { ...s, status: to } : s));
      return {
        ...before,
        status: to,
        submissions,
        statusHistory: [...before.statusHistory, change],
        version: before.version + 1,
        writeId,
        updatedAt: at,
      };
    },

    findByWrite(writeId) {
      return dds.find({ writeId }).toArray();
    },
  };
}
