import { randomBytes } from 'node:crypto';
import { findPage, isDuplicateKeyCode } from '@eudr/service-kit';
import type { FoundPage, PageRequest } from '@eudr/service-kit';
import { mongo } from 'mongoose';
import type { Connection, FilterQuery } from 'mongoose';
import { deliveryModel } from './delivery.model';
import type { DeliveryAttempt, DeliveryDocument, DeliveryStatus } from './delivery.model';

/** A due delivery found by the poll: enough to queue it per subscription. */
export interface DueDelivery {
  id: string;
  subscriptionId: string;
}

/** The attempts one claim won: their deliveries as stored, and the lease that holds them. */
export interface Claim {
  lease: string;
  deliveries: DeliveryDocument[];
}

/**
 * How a claimed attempt ended: PENDING with the next attempt's due time, settled (DELIVERED, FAILED,
 * SKIPPED) with a reason. `attempt` is absent when nothing was sent (SKIPPED).
 */
export interface AttemptRecord {
  status: DeliveryStatus;
  attempt?: DeliveryAttempt;
  nextAttemptAt?: Date;
  reason?: string;
  subscriptionDisabled?: boolean;
}

/** The deliveries; every result is a plain object. */
export interface DeliveriesRepository {
  /**
   * Stores deliveries; those whose `_id` exists already are left as they are. Returns the ids actually
   * inserted.
   * @throws on any other write error, so the caller does not acknowledge what is not stored.
   */
  insert(docs: readonly DeliveryDocument[]): Promise<Set<string>>;
  /**
   * Takes the next attempt of those of `ids` that are PENDING, due by `now` and not under a live lease,
   * for `leaseMs`, in one conditional update: a delivery goes to one claim only, whichever replica's
   * update reaches it first. The deliveries won are then read back by the claim's token.
   */
  claim(ids: readonly string[], owner: string, now: Date, leaseMs: number): Promise<Claim>;
  /**
   * Writes the outcome of an attempt and ends the lease, if `lease` still holds the delivery. Returns
   * false when it does not (the lease expired and another replica took the attempt over).
   */
  recordAttempt(id: string, lease: string, record: AttemptRecord, now: Date): Promise<boolean>;
  /** Ends the lease on attempts not made (shutdown), so that others may take them at once. */
  release(lease: string, ids: readonly string[]): Promise<void>;
  /** Claimable deliveries due by `now`, oldest first, leaving out some subscriptions. */
  findDue(now: Date, limit: number, excludeSubscriptions: readonly string[]): Promise<DueDelivery[]>;
  /**
   * The newest delivery (without its body) of each of the subscriptions, those with none left out. One
   * indexed lookup per subscription: the callers pass a page of subscriptions (100 at most).
   */
  latestForSubscriptions(
    orgId: string,
    subscriptionIds: readonly string[],
  ): Promise<Map<string, Omit<DeliveryDocument, 'body'>>>;
  /** One subscription's deliveries, newest first. */
  listForSubscription(
    orgId: string,
    subscriptionId: string,
    query: PageRequest,
  ): Promise<FoundPage<DeliveryDocument>>;
}

/** PENDING, due by `now`, and no lease, or an expired one. */
function claimable(now: Date): FilterQuery<DeliveryDocument> {
  return {
    status: 'PENDING',
    nextAttemptAt: { $lte: now },
    $or: [{ leaseUntil: null }, { leaseUntil: { $lte: now } }],
  };
}

/** Inserts `docs` and returns the ids inserted: an `_id` stored already is left as it is. */
async function insertNew(
  collection: mongo.Collection<DeliveryDocument>,
  docs: readonly DeliveryDocument[],
): Promise<Set<string>> {
  const inserted = new Set(docs.map((doc) => doc._id));
  if (docs.length === 0) return inserted;
  try {
    // Unordered: a duplicate (a redelivered event) must not stop the others.
    await collection.insertMany([...docs], { ordered: false });
  } catch (err) {
    if (!(err instanceof mongo.MongoBulkWriteError)) throw err;
    const failures = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    for (const failure of failures) {
      if (!isDuplicateKeyCode(failure.code)) throw err;
      const doc = docs[failure.index];
      if (doc !== undefined) inserted.delete(doc._id);
    }
  }
  return inserted;
}

/** The deliveries repository on `connection`. */
export function createDeliveriesRepository(connection: Connection): DeliveriesRepository {
  const Delivery = deliveryModel(connection);
  const collection = connection.collection<DeliveryDocument>(Delivery.collection.collectionName);

  return {
    insert: (docs) => insertNew(collection, docs),

    async claim(ids, owner, now, leaseMs) {
      const lease = `${owner}/${randomBytes(8).toString('hex')}`;
      if (ids.length === 0) return { lease, deliveries: [] };
      const won = await Delivery.updateMany(
        { _id: { $in: [...ids] }, ...claimable(now) },
        { $set: { leaseOwner: lease, leaseUntil: new Date(now.getTime() + leaseMs) } },
      ).exec();
      if (won.modifiedCount === 0) return { lease, deliveries: [] };
      const deliveries = await Delivery.find({ _id: { $in: [...ids] }, leaseOwner: lease })
        .lean<DeliveryDocument[]>()
        .exec();
      return { lease, deliveries };
    },

    async recordAttempt(id, lease, record, now) {
      const result = await Delivery.updateOne(
        { _id: id, leaseOwner: lease },
        {
          $set: {
            status: record.status,
            nextAttemptAt: record.nextAttemptAt ?? null,
            reason: record.reason ?? null,
            subscriptionDisabled: record.subscriptionDisabled ?? false,
            leaseOwner: null,
            leaseUntil: null,
            updatedAt: now,
          },
          ...(record.attempt === undefined ? {} : { $push: { attempts: record.attempt } }),
        },
      ).exec();
      return result.modifiedCount === 1;
    },

    async release(lease, ids) {
      if (ids.length === 0) return;
      await Delivery.updateMany(
        { _id: { $in: [...ids] }, leaseOwner: lease },
        { $set: { leaseOwner: null, leaseUntil: null } },
      ).exec();
    },

    async findDue(now, limit, excludeSubscriptions) {
      const filter = claimable(now);
      if (excludeSubscriptions.length > 0) filter.subscriptionId = { $nin: [...excludeSubscriptions] };
      const rows = await Delivery.find(filter, { _id: 1, subscriptionId: 1 })
        .sort({ nextAttemptAt: 1 })
        .limit(limit)
        .lean<{ _id: string; subscriptionId: string }[]>()
        .exec();
      return rows.map((row) => ({ id: row._id, subscriptionId: row.subscriptionId }));
    },

    async latestForSubscriptions(orgId, subscriptionIds) {
      const latest = await Promise.all(
        subscriptionIds.map((subscriptionId) =>
          Delivery.findOne({ subscriptionId, orgId }, { body: 0 })
            .sort({ createdAt: -1, _id: 1 })
            .lean<Omit<DeliveryDocument, 'body'>>()
            .exec(),
        ),
      );
      return new Map(latest.flatMap((doc) => (doc === null ? [] : [[doc.subscriptionId, doc] as const])));
    },

    listForSubscription(orgId, subscriptionId, pagination) {
      return findPage(Delivery, { subscriptionId, orgId }, { createdAt: -1, _id: 1 }, pagination);
    },
  };
}
