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
  /** Failed attempts since the last 2xx (as last counted); reaching the maximum disables the subscription. */
  consecutiveFailures: number;
  /** Names the current run of failures; a 2xx or a re-enable starts a new one (see `recordFailure`). */
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

// The consumer's matching (one integration's subscriptions per event batch) and GET /webhook-events,
// ordered by createdAt then _id. FerretDB v1 scans instead; the collection holds a few rows per
// integration, so the scan is cheap there.
subscriptionSchema.index({ orgId: 1, integrationId: 1, createdAt: 1, _id: 1 });

/**
 * One failed attempt in a run of failures: `_id` is `<subscriptionId>:<failureEpoch>:<n>`, n = 1.. the
 * maximum. Each failure takes the lowest free n by a unique insert, so concurrent failures count exactly
 * (an `$inc` is not atomic on FerretDB v1) and exactly one of them reaches the maximum and disables the
 * subscription. At most the maximum per run, never updated; housekeeping deletes the strikes of runs
 * that have ended (`deliveries/housekeeping.ts`).
 */
export interface FailureStrikeDocument {
  _id: string;
  at: Date;
}

const strikeSchema = new Schema<FailureStrikeDocument>(
  { _id: { type: String, required: true }, at: { type: Date, required: true } },
  { collection: 'subscription_failures', versionKey: false },
);
// Housekeeping looks for old strikes.
strikeSchema.index({ at: 1 });

/** The failure strikes model, registered on `connection`. */
export function failureStrikeModel(connection: Connection): Model<FailureStrikeDocument> {
  return (
    (connection.models['FailureStrike'] as Model<FailureStrikeDocument> | undefined) ??
    connection.model<FailureStrikeDocument>('FailureStrike', strikeSchema)
  );
}

/** The subscriptions model, registered on `connection`. */
export function subscriptionModel(connection: Connection): Model<SubscriptionDocument> {
  return (
    (connection.models['Subscription'] as Model<SubscriptionDocument> | undefined) ??
    connection.model<SubscriptionDocument>('Subscription', subscriptionSchema)
  );
}
