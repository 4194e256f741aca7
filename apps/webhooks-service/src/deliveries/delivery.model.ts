import { modelOn } from '@eudr/service-kit';
import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import type { AttemptOutcome } from './webhook-sender';

/**
 * PENDING: waiting for its next attempt (`nextAttemptAt`), or being attempted under a lease;
 * DELIVERED: a 2xx arrived; FAILED: every attempt failed; SKIPPED: not sent, because the integration
 * was inactive or the subscription disabled or deleted (`reason` says which).
 */
export type DeliveryStatus = 'PENDING' | 'DELIVERED' | 'FAILED' | 'SKIPPED';

/** One HTTP attempt of a delivery: when it started and how it went. */
export interface DeliveryAttempt extends AttemptOutcome {
  at: Date;
}

/**
 * One event for one subscription, from its creation to its outcome. `_id` is derived from both (see
 * `deliveryIdFor`), so storing the deliveries of a redelivered event again changes nothing.
 *
 * While PENDING, a worker takes an attempt by setting the lease (`leaseOwner`, `leaseUntil`) in one
 * conditional update, which only one replica can win; the outcome is written only under that same
 * lease and clears it. A replica that dies mid-attempt leaves a lease that expires, after which any
 * replica may take the attempt again.
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
  /** Every attempt so far; its length is the number of the last attempt. */
  attempts: DeliveryAttempt[];
  /** Due time of the next attempt while PENDING; null otherwise. */
  nextAttemptAt: Date | null;
  /** The claim holding the current attempt (`<replica>/<claim token>`), or null. */
  leaseOwner: string | null;
  /** Until when `leaseOwner` holds it; later, anyone may claim the attempt again. */
  leaseUntil: Date | null;
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
    leaseOwner: { type: String, default: null },
    leaseUntil: { type: Date, default: null },
    reason: { type: String, default: null },
    subscriptionDisabled: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'deliveries', versionKey: false, minimize: false },
);
// The worker's poll: PENDING deliveries whose next attempt is due, oldest first. Settled deliveries
// sit under other status values, so the poll never walks the history.
deliverySchema.index({ status: 1, nextAttemptAt: 1 });
// GET /webhook-events/:id/deliveries (and its admin twin): one subscription's deliveries, newest first,
// and their count; and the admin list's newest delivery of each subscription on the page.
deliverySchema.index({ subscriptionId: 1, createdAt: -1, _id: 1 });

/** The deliveries model, registered on `connection`. */
export function deliveryModel(connection: Connection): Model<DeliveryDocument> {
  return modelOn(connection, 'Delivery', deliverySchema);
}
