import { modelOn } from '@eudr/service-kit';
import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import { baseSchemaOptions, toJSONOptions } from '../common/model-options';
import { indexPendingPublication, publicationSchemaFields } from '../publishing/publication-fields';
import type { PublicationFields } from '../publishing/publication-fields';

/** Whether an integration's tokens may be used. */
export const INTEGRATION_STATUSES = ['ACTIVE', 'INACTIVE'] as const;
/** One of {@link INTEGRATION_STATUSES}. */
export type IntegrationStatus = (typeof INTEGRATION_STATUSES)[number];

/** An integration as stored: one connected system (an ERP) of one organisation. */
export interface IntegrationRecord extends PublicationFields {
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
    ...publicationSchemaFields,
  },
  { ...baseSchemaOptions('integrations'), toJSON: toJSONOptions },
);

// Every other query (get, admin change, introspection, publication marks) is by _id.
// GET /integrations: {orgId} newest first (and its count); _id breaks ties so pages are stable.
integrationSchema.index({ orgId: 1, createdAt: -1, _id: -1 });
indexPendingPublication(integrationSchema);

/** The integrations model, registered on `connection`. */
export function integrationModel(connection: Connection): Model<IntegrationRecord> {
  return modelOn(connection, 'Integration', integrationSchema);
}
