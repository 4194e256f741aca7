import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import { baseSchemaOptions, toJSONOptions } from '../common/model-options';

/** Whether an integration's tokens may be used. */
export const INTEGRATION_STATUSES = ['ACTIVE', 'INACTIVE'] as const;
/** One of {@link INTEGRATION_STATUSES}. */
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];

/** An integration as stored: one connected system (an ERP) of one organisation. */
export interface IntegrationRecord {
  _id: string;
  orgId: string;
  name: string;
  description: string;
  status: IntegrationStatus;
  /**
   * Requests per rate-limit window (a minute in production) allowed to each of its tokens; null or
   * absent (integrations stored before limits existed): the platform default.
   */
  rateLimitPerMinute?: number | null;
  /**
   * The normalised addresses and CIDR ranges its tokens may be used from (at most 100); empty or absent
   * (stored before allowlists existed): no restriction.
   */
  allowedAddresses?: string[];
  /** JWT `sub` of the admin who created it. */
  createdBy: string;
  /** Incremented by every change of the published state; starts at 1. */
  version: number;
  /** The highest version the broker has acknowledged on `auth.integrations`. */
  publishedVersion: number;
  /** True while the current version may not be on the topic yet; the relay picks these up. */
  publishPending: boolean;
  /**
   * Bumped when a publisher asks for the current state to be published again (see the state publisher):
   * an acknowledgement only clears `publishPending` for the generation it was sent in.
   */
  publishGeneration: number;
  createdAt: Date;
  updatedAt: Date;
}

const integrationSchema = new Schema<IntegrationRecord>(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    name: { type: String, required: true },
    description: { type: String, default: '' },
    status: { type: String, enum: INTEGRATION_STATUSES, required: true, default: 'ACTIVE' },
    rateLimitPerMinute: { type: Number, default: null },
    allowedAddresses: { type: [String], default: [] },
    createdBy: { type: String, required: true },
    version: { type: Number, required: true, default: 1 },
    publishedVersion: { type: Number, required: true, default: 0 },
    publishPending: { type: Boolean, required: true, default: true },
    publishGeneration: { type: Number, required: true, default: 0 },
  },
  { ...baseSchemaOptions('integrations'), toJSON: toJSONOptions },
);

// Every other query (get, admin change, introspection, publication marks) is by _id.
// GET /integrations: {orgId} newest first (and its count); _id breaks ties so pages are stable.
integrationSchema.index({ orgId: 1, createdAt: -1, _id: -1 });
// The relay: {publishPending: true, updatedAt <= t} oldest first. Partial, so it holds only the few
// integrations not yet acknowledged.
integrationSchema.index(
  { updatedAt: 1 },
  { name: 'pending_publication', partialFilterExpression: { publishPending: true } },
);

/** The integrations model, registered on `connection`. */
export function integrationModel(connection: Connection): Model<IntegrationRecord> {
  return (
    (connection.models['Integration'] as Model<IntegrationRecord> | undefined) ??
    connection.model<IntegrationRecord>('Integration', integrationSchema)
  );
}
