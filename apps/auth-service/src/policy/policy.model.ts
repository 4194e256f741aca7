import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import { baseSchemaOptions, toJSONOptions } from '../common/model-options';

/** An organisation's token policy as stored; one document per organisation that ever set one. */
export interface PolicyRecord {
  /** The organisation id: one policy per organisation. */
  _id: string;
  /** Longest lifetime of a token in days; null for no maximum. */
  maxTokenLifetimeDays: number | null;
  /** Whether every token must have an expiry (implied by a maximum). */
  requireExpiry: boolean;
  /** The lifetime a new token gets when its request names no expiry; null for none. */
  defaultTokenLifetimeDays: number | null;
  /** JWT `sub` of the admin who last changed it. */
  updatedBy: string;
  /** Incremented by every change of the published state; starts at 1. */
  version: number;
  /** The highest version the broker has acknowledged on `auth.integrations`. */
  publishedVersion: number;
  /** True while the current version may not be on the topic yet; the relay picks these up. */
  publishPending: boolean;
  /** See `IntegrationRecord.publishGeneration`. */
  publishGeneration: number;
  createdAt: Date;
  updatedAt: Date;
}

const policySchema = new Schema<PolicyRecord>(
  {
    _id: { type: String, required: true },
    maxTokenLifetimeDays: { type: Number, default: null },
    requireExpiry: { type: Boolean, required: true, default: false },
    defaultTokenLifetimeDays: { type: Number, default: null },
    updatedBy: { type: String, required: true },
    version: { type: Number, required: true, default: 1 },
    publishedVersion: { type: Number, required: true, default: 0 },
    publishPending: { type: Boolean, required: true, default: true },
    publishGeneration: { type: Number, required: true, default: 0 },
  },
  { ...baseSchemaOptions('org_policies'), toJSON: toJSONOptions },
);

// Reads and admin changes are by _id (the organisation).
// The relay: {publishPending: true, updatedAt <= t} oldest first; partial, so it holds only the few
// policies not yet acknowledged.
policySchema.index(
  { updatedAt: 1 },
  { name: 'pending_publication', partialFilterExpression: { publishPending: true } },
);

/** The organisation policies model, registered on `connection`. */
export function policyModel(connection: Connection): Model<PolicyRecord> {
  return (
    (connection.models['OrgPolicy'] as Model<PolicyRecord> | undefined) ??
    connection.model<PolicyRecord>('OrgPolicy', policySchema)
  );
}
