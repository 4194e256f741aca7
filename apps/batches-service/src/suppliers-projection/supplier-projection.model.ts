import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';

/**
 * What this service knows of one supplier of suppliers-service, from its `supplier.*` events: enough
 * to link products, show a DDS's supplier and answer the supplier part of the sync status.
 */
export interface SupplierProjectionDocument {
  /** `orgId:externalId`. */
  _id: string;
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

/**
 * The products waiting for one supplier (`syncStatus: PENDING`), so that a supplier event finds them
 * by an exact `_id` rather than a scan of every product (FerretDB v1 indexes nothing else).
 */
export interface PendingLinkDocument {
  /** `orgId:supplierExternalId`. */
  _id: string;
  orgId: string;
  supplierExternalId: string;
  productExternalIds: string[];
}

const supplierSchema = new Schema<SupplierProjectionDocument>(
  {
    _id: { type: String, required: true },
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
// GET /sync-status?entityType=SUPPLIER: one organisation's suppliers ordered by lastSyncedAt, externalId.
supplierSchema.index({ orgId: 1, lastSyncedAt: 1, externalId: 1 });

const linkSchema = new Schema<PendingLinkDocument>(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    supplierExternalId: { type: String, required: true },
    productExternalIds: { type: [String], default: [] },
  },
  { collection: 'pending_supplier_links', versionKey: false, minimize: false },
);

/** The supplier projection model, registered on `connection`. */
export function supplierProjectionModel(connection: Connection): Model<SupplierProjectionDocument> {
  return (
    (connection.models['SupplierProjection'] as Model<SupplierProjectionDocument> | undefined) ??
    connection.model<SupplierProjectionDocument>('SupplierProjection', supplierSchema)
  );
}

/** The pending links model, registered on `connection`. */
export function pendingLinkModel(connection: Connection): Model<PendingLinkDocument> {
  return (
    (connection.models['PendingLink'] as Model<PendingLinkDocument> | undefined) ??
    connection.model<PendingLinkDocument>('PendingLink', linkSchema)
  );
}
