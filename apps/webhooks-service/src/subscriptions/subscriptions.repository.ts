import { randomBytes } from 'node:crypto';
import { findPage } from '@eudr/service-kit';
import type { FoundPage, PageRequest } from '@eudr/service-kit';
import type { Connection } from 'mongoose';
import { subscriptionModel } from './subscription.model';
import type { SubscriptionDocument } from './subscription.model';

/**
 * The state a subscription is (re-)enabled in: active, no failures, and a fresh name for the period
 * this starts (`failureEpoch`).
 */
export function enabledState() {
  return {
    active: true,
    consecutiveFailures: 0,
    failureEpoch: randomBytes(8).toString('hex'),
    disabledAt: null,
    disabledReason: null,
  } satisfies Partial<SubscriptionDocument>;
}

/** Who owns a subscription: every API query is scoped to the token's organisation and integration. */
export interface Owner {
  orgId: string;
  integrationId: string;
}

/**
 * Which subscriptions a caller may address by id: those of its organisation, and of one integration
 * when it is an integration token ({@link Owner}). An organisation admin addresses any of the
 * organisation's.
 */
export interface SubscriptionScope {
  orgId: string;
  integrationId?: string;
}

/** The filter of one subscription within a scope. */
function inScope(
  scope: SubscriptionScope,
  id: string,
): { _id: string; orgId: string; integrationId?: string } {
  return {
    _id: id,
    orgId: scope.orgId,
    ...(scope.integrationId === undefined ? {} : { integrationId: scope.integrationId }),
  };
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
  findOwned(scope: SubscriptionScope, id: string): Promise<SubscriptionDocument | null>;
  list(owner: Owner, query: PageRequest): Promise<FoundPage<SubscriptionDocument>>;
  /** Applies `changes` if the subscription is in the scope; returns the new state or null. */
  update(
    scope: SubscriptionScope,
    id: string,
    changes: SubscriptionChanges,
    now: Date,
  ): Promise<SubscriptionDocument | null>;
  /** Returns whether a subscription in the scope was deleted. */
  delete(scope: SubscriptionScope, id: string): Promise<boolean>;
  /**
   * The active subscriptions an event of this organisation and integration may go to. Without an
   * integration (an event the platform caused, not an integration), every active subscription of the
   * organisation.
   */
  findActiveFor(orgId: string, integrationId: string | undefined): Promise<SubscriptionDocument[]>;
  /**
   * For the delivery worker, which acts for every organisation: one subscription by id, within the
   * organisation of the delivery that names it.
   */
  findById(orgId: string, id: string): Promise<SubscriptionDocument | null>;
  /**
   * A 2xx arrived: the failure count starts again from 0, if the subscription is still active in the
   * period the attempt started in (`failureEpoch`, as read before the attempt).
   */
  recordSuccess(subscription: SubscriptionDocument): Promise<void>;
  /**
   * An attempt failed: counts it, if the subscription is still active in the period the attempt started
   * in, and disables the subscription once the count reaches `maxFailures`. Returns true only to the one
   * caller whose failure disabled it.
   */
  recordFailure(subscription: SubscriptionDocument, maxFailures: number, now: Date): Promise<boolean>;
}

/** The subscriptions repository on `connection`. */
export function createSubscriptionsRepository(connection: Connection): SubscriptionsRepository {
  const Subscription = subscriptionModel(connection);
  const collection = connection.collection<SubscriptionDocument>(Subscription.collection.collectionName);

  return {
    async insert(doc) {
      await collection.insertOne(doc);
    },

    findOwned(scope, id) {
      return Subscription.findOne(inScope(scope, id)).lean<SubscriptionDocument>().exec();
    },

    list({ orgId, integrationId }, pagination) {
      return findPage(Subscription, { orgId, integrationId }, { createdAt: 1, _id: 1 }, pagination);
    },

    update(scope, id, changes, now) {
      // `$set` of the changed fields only: the worker's `$inc` of the failure count on the same document
      // is kept, whichever comes first.
      return Subscription.findOneAndUpdate(
        inScope(scope, id),
        { $set: { ...changes, updatedAt: now } },
        { new: true },
      )
        .lean<SubscriptionDocument>()
        .exec();
    },

    async delete(scope, id) {
      const result = await Subscription.deleteOne(inScope(scope, id)).exec();
      return result.deletedCount === 1;
    },

    findActiveFor(orgId, integrationId) {
      const filter =
        integrationId === undefined ? { orgId, active: true } : { orgId, integrationId, active: true };
      return Subscription.find(filter).lean<SubscriptionDocument[]>().exec();
    },

    findById(orgId, id) {
      return Subscription.findOne({ _id: id, orgId }).lean<SubscriptionDocument>().exec();
    },

    async recordSuccess({ _id, failureEpoch }) {
      // Not while disabled: a success that ends after the tenth failure must leave the count the
      // disable reports. No write when there is nothing to reset.
      await Subscription.updateOne(
        { _id, failureEpoch, active: true, consecutiveFailures: { $gt: 0 } },
        { $set: { consecutiveFailures: 0 } },
      ).exec();
    },

    async recordFailure({ _id, failureEpoch }, maxFailures, now) {
      const period = { _id, failureEpoch, active: true };
      const counted = await Subscription.findOneAndUpdate(
        period,
        { $inc: { consecutiveFailures: 1 } },
        { new: true, projection: { consecutiveFailures: 1 } },
      )
        .lean<Pick<SubscriptionDocument, 'consecutiveFailures'>>()
        .exec();
      if (counted === null || counted.consecutiveFailures < maxFailures) return false;
      // Conditional on the count still being at the maximum: a 2xx that reset it in between wins.
      // Several failures past the maximum may get here; `active: true` lets one of them disable.
      const disabled = await Subscription.updateOne(
        { ...period, consecutiveFailures: { $gte: maxFailures } },
        {
          $set: {
            active: false,
            disabledAt: now,
            disabledReason: `disabled after ${maxFailures} consecutive failed delivery attempts`,
            updatedAt: now,
          },
        },
      ).exec();
      return disabled.modifiedCount === 1;
    },
  };
}
