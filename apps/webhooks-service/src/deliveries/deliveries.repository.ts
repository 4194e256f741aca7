import { chunkedBulkWrite } from '@eudr/service-kit';
import type { Connection, mongo } from 'mongoose';
import { deliveryClaimModel, deliveryModel, plannedOffsetModel, queuedDeliveryModel } from './delivery.model';
import type {
  DeliveryAttempt,
  DeliveryClaimDocument,
  DeliveryDocument,
  PlannedOffsetDocument,
} from './delivery.model';

const DUPLICATE_KEY = 11000;
/** Claims per insert command: inserts only, so larger than the update-safe default of chunkedBulkWrite. */
const CLAIM_CHUNK = 100;
/** Deliveries per insert command of the queue and the history. */
const INSERT_CHUNK = 100;

/** A due delivery found by the poll: enough to queue it per subscription. */
export interface DueDelivery {
  id: string;
  subscriptionId: string;
}

/** A page of a subscription's deliveries, pending and settled, newest first. */
export interface DeliveryPage {
  items: DeliveryDocument[];
  total: number;
}

/** A claimed attempt: the delivery and the claim's key (to give it back at shutdown). */
export interface ClaimedDelivery {
  delivery: DeliveryDocument;
  claimKey: string;
}

/** A delivery to claim: its id and, when the caller holds it already, its queued state. */
export interface ClaimRequest {
  id: string;
  known?: DeliveryDocument;
}

/** The delivery queue and history; every result is a plain object. */
export interface DeliveriesRepository {
  /**
   * Adds deliveries to the queue; those whose `_id` is queued already are left as they are. Returns
   * the ids actually inserted.
   * @throws on any other write error, so the caller does not acknowledge what is not stored.
   */
  enqueue(docs: readonly DeliveryDocument[]): Promise<Set<string>>;
  /** Writes settled deliveries to the history (a delivery already there is left as it is). */
  record(docs: readonly DeliveryDocument[]): Promise<void>;
  /**
   * Claims the next attempt of each of these queued deliveries for `owner` (see `DeliveryClaimDocument`),
   * with one unordered insert of every claim. Returns only those this call won.
   *
   * A request that carries the delivery as the caller holds it (`known`: handed over by the consumer
   * that just queued it, or this replica's own retry) whose next attempt fell due in the current lease
   * period needs no read at all: nobody may claim an attempt before it is due, so no claim of it can
   * exist in an earlier period, and the unique insert in this period is exact. Every other request is
   * read first (due, not under a live claim of the previous period) and again after winning (still
   * queued with the same attempt count, not in the history already: settled just before a crash, such
   * a delivery is removed from the queue here instead).
   */
  claimBatch(
    requests: readonly ClaimRequest[],
    owner: string,
    now: Date,
    leaseMs: number,
  ): Promise<ClaimedDelivery[]>;
  /** Removes settled deliveries from the queue (after {@link DeliveriesRepository.record}). */
  dequeue(ids: readonly string[]): Promise<void>;
  /** Records a failed attempt on a queued delivery and schedules the next one. */
  retryLater(id: string, attempt: DeliveryAttempt, nextAttemptAt: Date): Promise<void>;
  /** Gives back claims of attempts not made (shutdown), so that others may take them at once. */
  release(claimKeys: readonly string[]): Promise<void>;
  /**
   * Deletes the claims made before `cutoff` (housekeeping). A claim is only ever read in its own lease
   * period and the next, so a cutoff more than two leases back deletes nothing still in use. Returns
   * how many were deleted.
   */
  deleteClaimsBefore(cutoff: Date): Promise<number>;
  /** Queued deliveries due by `now`, oldest first, leaving out some subscriptions. */
  findDue(now: Date, limit: number, excludeSubscriptions: readonly string[]): Promise<DueDelivery[]>;
  /** Which of these ids are in the history already (one indexed lookup each). */
  findRecorded(ids: readonly string[]): Promise<Set<string>>;
  /** One subscription's deliveries, pending and settled, newest first. */
  listForSubscription(
    orgId: string,
    subscriptionId: string,
    query: { page: number; limit: number },
  ): Promise<DeliveryPage>;
  /** The offset after the last message of `topic:partition` whose deliveries are stored, or null. */
  findPlannedOffset(key: string): Promise<number | null>;
  /** Moves the planned offset forward (never back: a replica that lost the partition may write late). */
  savePlannedOffset(key: string, nextOffset: number, now: Date): Promise<void>;
}

/** Inserts unordered in chunks, ignoring duplicate keys; returns the ids that were new. */
async function insertNew(
  collection: mongo.Collection<DeliveryDocument>,
  docs: readonly DeliveryDocument[],
): Promise<Set<string>> {
  const inserted = new Set(docs.map((doc) => doc._id));
  if (docs.length === 0) return inserted;
  // Chunked and unordered: FerretDB v1 hangs on an update command with ~100+ matching statements (inserts
  // match nothing, but stay at 100 per command to be safe), and one duplicate (a redelivered Kafka
  // message) must not stop the others.
  const ops: mongo.AnyBulkWriteOperation<DeliveryDocument>[] = docs.map((document) => ({
    insertOne: { document },
  }));
  const result = await chunkedBulkWrite(collection, ops, { chunkSize: INSERT_CHUNK });
  for (const failure of result.writeErrors) {
    if (failure.code !== DUPLICATE_KEY) throw new Error(`storing deliveries failed: ${failure.message}`);
    const doc = docs[failure.index];
    if (doc !== undefined) inserted.delete(doc._id);
  }
  return inserted;
}

/** The deliveries repository on `connection`. */
export function createDeliveriesRepository(connection: Connection): DeliveriesRepository {
  const Queue = queuedDeliveryModel(connection);
  const History = deliveryModel(connection);
  const PlannedOffset = plannedOffsetModel(connection);
  const Claim = deliveryClaimModel(connection);
  const claims = Claim.collection as unknown as mongo.Collection<DeliveryClaimDocument>;
  // The driver's collections, typed with string ids (mongoose types them for ObjectId ids).
  const queue = Queue.collection as unknown as mongo.Collection<DeliveryDocument>;
  const history = History.collection as unknown as mongo.Collection<DeliveryDocument>;

  return {
    enqueue: (docs) => insertNew(queue, docs),

    async record(docs) {
      await insertNew(history, docs);
    },

    async claimBatch(requests, owner, now, leaseMs) {
      const period = Math.floor(now.getTime() / leaseMs);
      const dueThisPeriod = (doc: DeliveryDocument | undefined): doc is DeliveryDocument =>
        doc !== undefined &&
        doc.nextAttemptAt !== null &&
        doc.nextAttemptAt.getTime() <= now.getTime() &&
        Math.floor(doc.nextAttemptAt.getTime() / leaseMs) === period;
      // 1. Known and due in this period: nothing to read. Others: what attempt is next, and is a claim of
      // the previous period still live (indexed reads).
      const candidates = (
        await Promise.all(
          requests.map(async ({ id, known }) => {
            if (dueThisPeriod(known)) {
              const attempt = known.attempts.length + 1;
              return { id, attempt, claimKey: `${id}:${attempt}:${period}`, known };
            }
            const queued = await Queue.findOne({ _id: id }, { attempts: 1, nextAttemptAt: 1 })
              .lean<Pick<DeliveryDocument, '_id' | 'attempts' | 'nextAttemptAt'>>()
              .exec();
            if (queued === null || queued.nextAttemptAt === null || queued.nextAttemptAt > now) return null;
            const attempt = queued.attempts.length + 1;
            const previous = await Claim.findOne({ _id: `${id}:${attempt}:${period - 1}` })
              .lean<DeliveryClaimDocument>()
              .exec();
            if (previous !== null && previous.claimedAt.getTime() + leaseMs > now.getTime()) return null;
            return { id, attempt, claimKey: `${id}:${attempt}:${period}`, known: undefined };
          }),
        )
      ).filter((candidate) => candidate !== null);
      if (candidates.length === 0) return [];
      // 2. One unordered insert of every claim; a duplicate key means another replica has it.
      const ops: mongo.AnyBulkWriteOperation<DeliveryClaimDocument>[] = candidates.map((candidate) => ({
        insertOne: { document: { _id: candidate.claimKey, owner, claimedAt: now } },
      }));
      const result = await chunkedBulkWrite(claims, ops, { chunkSize: CLAIM_CHUNK });
      const lost = new Set<number>();
      for (const failure of result.writeErrors) {
        if (failure.code !== DUPLICATE_KEY) throw new Error(`claiming deliveries failed: ${failure.message}`);
        lost.add(failure.index);
      }
      const won = candidates.filter((_, index) => !lost.has(index));
      // 3. Read again after winning what was read before: another replica may have made this attempt and
      // recorded it between the first read and the claim (its claim then belonged to an earlier period).
      const checked = await Promise.all(
        won.map(async ({ id, attempt, claimKey, known }): Promise<ClaimedDelivery | 'recorded' | null> => {
          if (known !== undefined) return { delivery: known, claimKey };
          const [after, recorded] = await Promise.all([
            Queue.findOne({ _id: id }).lean<DeliveryDocument>().exec(),
            History.exists({ _id: id }).exec(),
          ]);
          if (recorded !== null) return 'recorded';
          if (after === null || after.attempts.length + 1 !== attempt) return null;
          return { delivery: after, claimKey };
        }),
      );
      const recorded = won
        .filter((_, index) => checked[index] === 'recorded')
        .map((candidate) => candidate.id);
      if (recorded.length > 0) await Queue.deleteMany({ _id: { $in: recorded } }).exec();
      return checked.filter((item): item is ClaimedDelivery => item !== null && item !== 'recorded');
    },

    async dequeue(ids) {
      if (ids.length === 0) return;
      await Queue.deleteMany({ _id: { $in: [...ids] } }).exec();
    },

    async retryLater(id, attempt, nextAttemptAt) {
      await Queue.updateOne(
        { _id: id },
        { $set: { nextAttemptAt, updatedAt: attempt.at }, $push: { attempts: attempt } },
      ).exec();
    },

    async release(claimKeys) {
      // Rare (a shutdown that outlasted its drain time), so a delete per key is fine.
      await Promise.all(claimKeys.map((key) => Claim.deleteOne({ _id: key }).exec()));
    },

    async deleteClaimsBefore(cutoff) {
      // One command, one scan on FerretDB (which uses no index but `_id`'s); MongoDB uses `claimedAt`'s.
      const result = await Claim.deleteMany({ claimedAt: { $lt: cutoff } }).exec();
      return result.deletedCount;
    },

    async findDue(now, limit, excludeSubscriptions) {
      const filter: Record<string, unknown> = { nextAttemptAt: { $lte: now } };
      if (excludeSubscriptions.length > 0) filter['subscriptionId'] = { $nin: [...excludeSubscriptions] };
      const rows = await Queue.find(filter, { _id: 1, subscriptionId: 1 })
        .sort({ nextAttemptAt: 1 })
        .limit(limit)
        .lean<{ _id: string; subscriptionId: string }[]>()
        .exec();
      return rows.map((row) => ({ id: row._id, subscriptionId: row.subscriptionId }));
    },

    async findRecorded(ids) {
      // One exact-_id lookup each: the only filter FerretDB v1 answers from an index.
      const found = await Promise.all(ids.map((id) => History.exists({ _id: id }).exec()));
      return new Set(ids.filter((_, index) => found[index] !== null));
    },

    async listForSubscription(orgId, subscriptionId, { page, limit }) {
      const filter = { orgId, subscriptionId };
      const upTo = page * limit;
      const newestFirst = { createdAt: -1 as const, _id: 1 as const };
      const [pending, settled, pendingTotal, settledTotal] = await Promise.all([
        Queue.find(filter).sort(newestFirst).limit(upTo).lean<DeliveryDocument[]>().exec(),
        History.find(filter).sort(newestFirst).limit(upTo).lean<DeliveryDocument[]>().exec(),
        Queue.countDocuments(filter).exec(),
        History.countDocuments(filter).exec(),
      ]);
      // A delivery settled between the two reads can show up in both; the settled copy wins.
      const settledIds = new Set(settled.map((doc) => doc._id));
      const merged = [...pending.filter((doc) => !settledIds.has(doc._id)), ...settled].sort(
        (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || a._id.localeCompare(b._id),
      );
      return { items: merged.slice((page - 1) * limit, upTo), total: pendingTotal + settledTotal };
    },

    async findPlannedOffset(key) {
      const doc = await PlannedOffset.findOne({ _id: key }).lean<PlannedOffsetDocument>().exec();
      return doc?.nextOffset ?? null;
    },

    async savePlannedOffset(key, nextOffset, now) {
      await PlannedOffset.updateOne(
        { _id: key },
        { $max: { nextOffset }, $set: { updatedAt: now } },
        { upsert: true },
      ).exec();
    },
  };
}
