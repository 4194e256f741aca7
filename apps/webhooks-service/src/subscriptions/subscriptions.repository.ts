import { randomBytes } from 'node:crypto';
import { createDocumentLock } from '@eudr/service-kit';
import type { Connection, mongo } from 'mongoose';
import { failureStrikeModel, subscriptionModel } from './subscription.model';
import type { FailureStrikeDocument, SubscriptionDocument } from './subscription.model';

const DUPLICATE_KEY = 11000;

/** A fresh name for a run of failures. */
export function newFailureEpoch(): string {
  return randomBytes(8).toString('hex');
}

/** Who owns a subscription: every API query is scoped to the token's organisation and integration. */
export interface Owner {
  orgId: string;
  integrationId: string;
}

/** The fields a PATCH may set. */
export type SubscriptionChanges = Partial<
  Pick<
    SubscriptionDocument,
    'url' | 'events' | 'active' | 'consecutiveFailures' | 'failureEpoch' | 'disabledAt' | 'disabledReason'
  >
>;

/** Queries on the subscriptions collection; every result is a plain object. */
export interface SubscriptionsRepository {
  insert(doc: SubscriptionDocument): Promise<void>;
  findOwned(owner: Owner, id: string): Promise<SubscriptionDocument | null>;
  list(
    owner: Owner,
    query: { page: number; limit: number },
  ): Promise<{ items: SubscriptionDocument[]; total: number }>;
  /** Applies `changes` if the subscription is the owner's; returns the new state or null. */
  update(
    owner: Owner,
    id: string,
    changes: SubscriptionChanges,
    now: Date,
  ): Promise<SubscriptionDocument | null>;
  /** Returns whether a subscription of the owner was deleted. */
  delete(owner: Owner, id: string): Promise<boolean>;
  /**
   * The active subscriptions an event of this organisation and integration may go to. Without an
   * integration (an event the platform caused, not an integration), every active subscription of the
   * organisation.
   */
  findActiveFor(orgId: string, integrationId: string | undefined): Promise<SubscriptionDocument[]>;
  /** For the delivery worker, which acts for every organisation: one subscription by id. */
  findById(id: string): Promise<SubscriptionDocument | null>;
  /**
   * A 2xx arrived: if the current run has failures, the count starts again from 0 (a new failure
   * epoch). No write when there is no failure to forget.
   */
  recordSuccess(subscription: SubscriptionDocument): Promise<void>;
  /**
   * An attempt failed: counts it in the subscription's current run (`failureEpoch`, as read before
   * the attempt) and, when the count reaches `maxFailures`, disables the subscription. Returns true
   * only to the one caller whose failure disabled it.
   */
  recordFailure(subscription: SubscriptionDocument, maxFailures: number, now: Date): Promise<boolean>;
  /**
   * Housekeeping: of the failure strikes made before `olderThan` (at most `limit`), deletes those of
   * runs that have ended (the subscription has a new failure epoch, or is gone). The current run's
   * strikes stay, however old, since they still count towards disabling. Returns how many were deleted.
   */
  deleteEndedFailureRuns(olderThan: Date, limit: number): Promise<number>;
}

/** The subscription id and failure epoch of a strike's `_id` (`<subscription>:<epoch>:<n>`). */
function parseStrikeId(id: string): { subscriptionId: string; epoch: string } | null {
  const parts = id.split(':');
  if (parts.length < 3) return null;
  return { subscriptionId: parts.slice(0, -2).join(':'), epoch: parts[parts.length - 2] ?? '' };
}

/** The subscriptions repository on `connection`. */
export function createSubscriptionsRepository(connection: Connection): SubscriptionsRepository {
  const Subscription = subscriptionModel(connection);
  const strikes = failureStrikeModel(connection)
    .collection as unknown as mongo.Collection<FailureStrikeDocument>;
  // An admin's PATCH and the worker's failure count can update one subscription at the same time; every
  // update takes its `_id` (see DocumentLock: FerretDB would keep only one of the changes).
  const lock = createDocumentLock();

  return {
    async insert(doc) {
      // The driver's collection, typed with string ids (mongoose types it for ObjectId ids).
      await (Subscription.collection as unknown as mongo.Collection<SubscriptionDocument>).insertOne(doc);
    },

    findOwned(owner, id) {
      return Subscription.findOne({ _id: id, orgId: owner.orgId, integrationId: owner.integrationId })
        .lean<SubscriptionDocument>()
        .exec();
    },

    async list(owner, { page, limit }) {
      const filter = { orgId: owner.orgId, integrationId: owner.integrationId };
      const [items, total] = await Promise.all([
        Subscription.find(filter)
          .sort({ createdAt: 1, _id: 1 })
          .skip((page - 1) * limit)
          .limit(limit)
          .lean<SubscriptionDocument[]>()
          .exec(),
        Subscription.countDocuments(filter).exec(),
      ]);
      return { items, total };
    },

    update(owner, id, changes, now) {
      return lock.run(id, () =>
        Subscription.findOneAndUpdate(
          { _id: id, orgId: owner.orgId, integrationId: owner.integrationId },
          { $set: { ...changes, updatedAt: now } },
          { new: true },
        )
          .lean<SubscriptionDocument>()
          .exec(),
      );
    },

    async delete(owner, id) {
      const result = await Subscription.deleteOne({
        _id: id,
        orgId: owner.orgId,
        integrationId: owner.integrationId,
      }).exec();
      return result.deletedCount === 1;
    },

    findActiveFor(orgId, integrationId) {
      const filter =
        integrationId === undefined ? { orgId, active: true } : { orgId, integrationId, active: true };
      return Subscription.find(filter).lean<SubscriptionDocument[]>().exec();
    },

    findById(id) {
      return Subscription.findOne({ _id: id }).lean<SubscriptionDocument>().exec();
    },

    async recordSuccess(subscription) {
      if (subscription.consecutiveFailures === 0) {
        // The shown count may lag a racing failure; the run's first strike is the truth.
        const first = await strikes.findOne({ _id: `${subscription._id}:${subscription.failureEpoch}:1` });
        if (first === null) return;
      }
      await lock.run(subscription._id, () =>
        Subscription.updateOne(
          { _id: subscription._id },
          { $set: { consecutiveFailures: 0, failureEpoch: newFailureEpoch() } },
        ).exec(),
      );
    },

    async recordFailure(subscription, maxFailures, now) {
      let count = 0;
      for (let n = 1; n <= maxFailures && count === 0; n += 1) {
        try {
          await strikes.insertOne({ _id: `${subscription._id}:${subscription.failureEpoch}:${n}`, at: now });
          count = n;
        } catch (err) {
          if ((err as { code?: unknown }).code !== DUPLICATE_KEY) throw err;
        }
      }
      // Every slot taken: the run reached the maximum before (by a failure racing a re-enable).
      if (count === 0) return false;
      if (count < maxFailures) {
        // For display; a racing writer may leave a slightly lower number, never a wrong decision.
        await lock.run(subscription._id, () =>
          Subscription.updateOne(
            { _id: subscription._id, failureEpoch: subscription.failureEpoch },
            { $max: { consecutiveFailures: count } },
          ).exec(),
        );
        return false;
      }
      // Only the failure that took the last slot gets here, once per run. The run may have ended
      // meanwhile (a 2xx elsewhere, a re-enable): then the epoch differs and nothing is disabled.
      const disabled = await lock.run(subscription._id, () =>
        Subscription.updateOne(
          { _id: subscription._id, failureEpoch: subscription.failureEpoch },
          {
            $set: {
              active: false,
              consecutiveFailures: count,
              disabledAt: now,
              disabledReason: `disabled after ${maxFailures} consecutive failed delivery attempts`,
              updatedAt: now,
            },
          },
        ).exec(),
      );
      return disabled.modifiedCount === 1;
    },

    async deleteEndedFailureRuns(olderThan, limit) {
      const old = await strikes
        .find({ at: { $lt: olderThan } }, { projection: { _id: 1 } })
        .limit(limit)
        .toArray();
      // Per subscription, the strike ids by failure epoch.
      const bySubscription = new Map<string, Map<string, string[]>>();
      for (const { _id } of old) {
        const parsed = parseStrikeId(_id);
        if (parsed === null) continue;
        const runs = bySubscription.get(parsed.subscriptionId) ?? new Map<string, string[]>();
        runs.set(parsed.epoch, [...(runs.get(parsed.epoch) ?? []), _id]);
        bySubscription.set(parsed.subscriptionId, runs);
      }
      const ended = (
        await Promise.all(
          [...bySubscription].map(async ([subscriptionId, runs]) => {
            // One exact-`_id` read per subscription: the only lookup FerretDB answers from an index.
            const subscription = await Subscription.findOne({ _id: subscriptionId })
              .lean<SubscriptionDocument>()
              .exec();
            return [...runs].flatMap(([epoch, ids]) => (subscription?.failureEpoch === epoch ? [] : ids));
          }),
        )
      ).flat();
      if (ended.length === 0) return 0;
      const result = await strikes.deleteMany({ _id: { $in: ended } });
      return result.deletedCount;
    },
  };
}
