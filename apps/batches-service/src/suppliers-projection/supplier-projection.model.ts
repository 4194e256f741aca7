import { modelOn } from '@eudr/service-kit';
import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';

/**
 * What this service knows of one supplier of suppliers-service, from its `supplier.*` events: enough
 * to link products, show a DDS's supplier and answer the supplier part of the sync status.
 */
export interface SupplierProjectionDocument {
  orgId: string;
  externalId: string;
  /** suppliers-service's id (`sup_…`). */
  internalId: string;
  name: string | null;
  country: string | null;
  lastSyncedAt: Date;
  /** `occurredAt` of the event applied last: older events (replays) are ignored. */
  occurredAt: Date;
  eventId: string;
}

const supplierSchema = new Schema<SupplierProjectionDocument>(
  {
    orgId: { type: String, required: true },
    externalId: { type: String, required: true },
    internalId: { type: String, required: true },
    name: { type: String, default: null },
    country: { type: String, default: null },
    lastSyncedAt: { type: Date, required: true },
    occurredAt: { type: Date, required: true },
    eventId: { type: String, required: true },
  },
  { collection: 'supplier_projection', versionKey: false, minimize: false },
);
// A product's supplier, the DDS view's supplier, and the consumer's conditional upsert.
supplierSchema.index({ orgId: 1, externalId: 1 }, { unique: true });
// GET /sync-status?entityType=SUPPLIER: one organisation's suppliers ordered by lastSyncedAt, externalId.
supplierSchema.index({ orgId: 1, lastSyncedAt: 1, externalId: 1 });

/** The supplier projection model, registered on `connection`. */
export function supplierProjectionModel(connection: Connection): Model<SupplierProjectionDocument> {
  return modelOn(connection, 'SupplierProjection', supplierSchema);
}
