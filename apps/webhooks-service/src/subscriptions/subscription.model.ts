import { modelOn } from '@eudr/service-kit';
import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';

/** A webhook subscription as stored. `_id` is the public id (`wh_…`). */
export interface SubscriptionDocument {
  _id: string;
  orgId: string;
  /** The integration whose token created it; it receives that integration's events only. */
  integrationId: string;
  url: string;
  /** Event types, unique, in the order given. */
  events: string[];
  active: boolean;
  /** The secret, AES-256-GCM encrypted (see `secret-box.ts`); never returned by the API. */
  sealedSecret: string;
  /** Failed attempts since the last 2xx; reaching the maximum disables the subscription. */
  consecutiveFailures: number;
  /**
   * Names the period since the subscription was last (re-)enabled. An attempt's outcome counts only in
   * the period it started in (see `recordFailure`, `recordSuccess`), so a slow attempt from before a
   * re-enable cannot change the new count.
   */
  failureEpoch: string;
  disabledAt: Date | null;
  disabledReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const subscriptionSchema = new Schema<SubscriptionDocument>(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    integrationId: { type: String, required: true },
    url: { type: String, required: true },
    events: { type: [String], required: true },
    active: { type: Boolean, required: true },
    sealedSecret: { type: String, required: true },
    consecutiveFailures: { type: Number, required: true },
    failureEpoch: { type: String, required: true },
    disabledAt: { type: Date, default: null },
    disabledReason: { type: String, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'subscriptions', versionKey: false, minimize: false },
);

// GET /webhook-events (one integration's subscriptions by createdAt then _id, and their count) and the
// consumer's matching: the active subscriptions of an organisation and integration, or of the whole
// organisation for events without one (the `orgId` prefix).
subscriptionSchema.index({ orgId: 1, integrationId: 1, createdAt: 1, _id: 1 });

/** The subscriptions model, registered on `connection`. */
export function subscriptionModel(connection: Connection): Model<SubscriptionDocument> {
  return modelOn(connection, 'Subscription', subscriptionSchema);
}
