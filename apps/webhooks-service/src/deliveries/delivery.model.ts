import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';

/**
 * PENDING: waiting for its next attempt (`nextAttemptAt`); DELIVERED: a 2xx arrived; FAILED: every
 * attempt failed; SKIPPED: not sent, because the integration was inactive or the subscription disabled
 * or deleted (`reason` says which).
 */
export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED' | 'SKIPPED';

/** One HTTP attempt of a delivery. */
export interface DeliveryAttempt {
  at: Date;
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/**
 * One event for one subscription. `_id` is derived from both (see `deliveryIdFor`). While attempts
 * remain it lives in the `delivery_queue` collection; once settled (DELIVERED, FAILED, SKIPPED) it is
 * written, once, to the `deliveries` collection and removed from the queue.
 *
 * Why two collections: FerretDB v1 (SQLite) finds a document by `_id` through its index, but every
 * update or delete scans the whole collection (measured: ~40 ms per update at 10,000 documents against
 * ~2 ms at 100). Keeping every write on the queue, whose size is the backlog rather than all history,
 * and only inserting into the history, keeps the cost per delivery flat as the history grows.
 */
export interface DeliveryDocument {
  _id: string;
  subscriptionId: string;
  orgId: string;
  integrationId: string;
  /** The domain event; null for a test delivery. */
  eventId: string | null;
  eventType: string;
  /** A test delivery (`POST /:id/test`): sent once, never retried, never counted as a failure. */
  test: boolean;
  /** The exact JSON body sent on every attempt (signatures cover these bytes). */
  body: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  /** Due time of the next attempt while PENDING; null otherwise. */
  nextAttemptAt: Date | null;
  /** Why it was skipped or failed, or that its failure disabled the subscription. */
  reason: string | null;
  /** This delivery's failure disabled the subscription. */
  subscriptionDisabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const attemptSchema = new Schema<DeliveryAttempt>(
  {
    at: { type: Date, required: true },
    ok: { type: Boolean, required: true },
    statusCode: { type: Number, default: null },
    durationMs: { type: Number, required: true },
    error: { type: String, default: null },
  },
  { _id: false },
);

const deliverySchema = new Schema<DeliveryDocument>(
  {
    _id: { type: String, required: true },
    subscriptionId: { type: String, required: true },
    orgId: { type: String, required: true },
    integrationId: { type: String, required: true },
    eventId: { type: String, default: null },
    eventType: { type: String, required: true },
    test: { type: Boolean, required: true },
    body: { type: String, required: true },
    status: { type: String, required: true, enum: ['PENDING', 'DELIVERED', 'FAILED', 'SKIPPED'] },
    attempts: { type: [attemptSchema], default: [] },
    nextAttemptAt: { type: Date, default: null },
    reason: { type: String, default: null },
    subscriptionDisabled: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, minimize: false },
);

const queueSchema = deliverySchema.clone();
queueSchema.set('collection', 'delivery_queue');
// The worker's poll: deliveries whose next attempt is due, oldest first.
queueSchema.index({ nextAttemptAt: 1 });
// GET /webhook-events/:id/deliveries: the pending part of one subscription's history.
queueSchema.index({ subscriptionId: 1, createdAt: -1 });

const historySchema = deliverySchema.clone();
historySchema.set('collection', 'deliveries');
// GET /webhook-events/:id/deliveries: one subscription's settled deliveries, newest first.
historySchema.index({ subscriptionId: 1, createdAt: -1 });

/** The deliveries still to attempt (the queue), registered on `connection`. */
export function queuedDeliveryModel(connection: Connection): Model<DeliveryDocument> {
  return (
    (connection.models['QueuedDelivery'] as Model<DeliveryDocument> | undefined) ??
    connection.model<DeliveryDocument>('QueuedDelivery', queueSchema)
  );
}

/** The settled deliveries (the history, written once per delivery), registered on `connection`. */
export function deliveryModel(connection: Connection): Model<DeliveryDocument> {
  return (
    (connection.models['Delivery'] as Model<DeliveryDocument> | undefined) ??
    connection.model<DeliveryDocument>('Delivery', historySchema)
  );
}

/**
 * The claim of one attempt of one delivery by one replica, for one lease period: `_id` is
 * `<deliveryId>:<attempt number>:<lease period number>` (period = floor(time / lease length)).
 *
 * Why an insert rather than a conditional update of the delivery: FerretDB v1 does not apply a
 * conditional update atomically (measured: of 10 concurrent `findOneAndUpdate({_id, active: true},
 * {$set: {active: false}})` about 2 to 3 report a match, and 100 concurrent `$inc` leave about 12), while
 * a unique `_id` insert succeeds exactly once on it as on MongoDB. Claims are only inserted and read by
 * `_id`, so their number never slows anything down; they are never updated, and housekeeping
 * deletes them once they are a few leases old (`deliveries/housekeeping.ts`).
 */
export interface DeliveryClaimDocument {
  _id: string;
  owner: string;
  claimedAt: Date;
}

const claimSchema = new Schema<DeliveryClaimDocument>(
  {
    _id: { type: String, required: true },
    owner: { type: String, required: true },
    claimedAt: { type: Date, required: true },
  },
  { collection: 'delivery_claims', versionKey: false },
);
// Housekeeping deletes the claims older than a few leases.
claimSchema.index({ claimedAt: 1 });

/** The delivery claims model, registered on `connection`. */
export function deliveryClaimModel(connection: Connection): Model<DeliveryClaimDocument> {
  return (
    (connection.models['DeliveryClaim'] as Model<DeliveryClaimDocument> | undefined) ??
    connection.model<DeliveryClaimDocument>('DeliveryClaim', claimSchema)
  );
}

/**
 * How far the consumer has turned one partition's events into deliveries: the offset after the last
 * message whose deliveries are stored. A redelivered batch (a crash before the offset commit) skips
 * what is below it, so a delivery already settled and removed from the queue is not queued again.
 */
export interface PlannedOffsetDocument {
  /** `<topic>:<partition>`. */
  _id: string;
  nextOffset: number;
  updatedAt: Date;
}

const plannedOffsetSchema = new Schema<PlannedOffsetDocument>(
  {
    _id: { type: String, required: true },
    nextOffset: { type: Number, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'planned_offsets', versionKey: false },
);

/** The planned offsets model, registered on `connection`. */
export function plannedOffsetModel(connection: Connection): Model<PlannedOffsetDocument> {
  return (
    (connection.models['PlannedOffset'] as Model<PlannedOffsetDocument> | undefined) ??
    connection.model<PlannedOffsetDocument>('PlannedOffset', plannedOffsetSchema)
  );
}
