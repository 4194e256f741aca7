import { modelOn } from '@eudr/service-kit';
import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import { baseSchemaOptions, toJSONOptions } from '../common/model-options';
import { indexPendingPublication, publicationSchemaFields } from '../publishing/publication-fields';
import type { PublicationFields } from '../publishing/publication-fields';

/** An organisation's token policy as stored; one document per organisation that ever set one. */
export interface PolicyRecord extends PublicationFields {
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
    ...publicationSchemaFields,
  },
  { ...baseSchemaOptions('org_policies'), toJSON: toJSONOptions },
);

// Reads and admin changes are by _id (the organisation).
indexPendingPublication(policySchema);

/** The organisation policies model, registered on `connection`. */
export function policyModel(connection: Connection): Model<PolicyRecord> {
  return modelOn(connection, 'OrgPolicy', policySchema);
}
