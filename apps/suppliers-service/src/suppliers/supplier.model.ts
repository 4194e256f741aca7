import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import type { SupplierFields } from './suppliers.schemas';

/** Type of a supplier change event. */
export type SupplierEventType = 'supplier.created' | 'supplier.updated';

/**
 * The change event a write owes to Kafka, stored on the document by the same write (see
 * `supplier-events.publisher.ts`). The event's data is the document itself, so only the envelope is kept.
 */
export interface PendingSupplierEvent {
  /** The event id: consumers deduplicate on it, and the mark is cleared only for this id. */
  id: string;
  type: SupplierEventType;
  occurredAt: Date;
  /** Request id of the upsert that caused it. */
  correlationId: string | null;
  integrationId: string;
}

/** A supplier as stored. `_id` is the public internal id (`sup_…`). */
export type SupplierDocument = SupplierFields & {
  _id: string;
  orgId: string;
  externalId: string;
  /** The integration that wrote the current state. */
  integrationId: string;
  syncStatus: 'SYNCED';
  lastSyncedAt: Date;
  /** Incremented by every write; starts at 1. */
  version: number;
  /** The newest change event the broker has not acknowledged yet; null once it has. */
  pendingEvent: PendingSupplierEvent | null;
  createdAt: Date;
  updatedAt: Date;
};

const optionalString = { type: String, default: null };

const pendingEventSchema = new Schema<PendingSupplierEvent>(
  {
    id: { type: String, required: true },
    type: { type: String, required: true, enum: ['supplier.created', 'supplier.updated'] },
    occurredAt: { type: Date, required: true },
    correlationId: optionalString,
    integrationId: { type: String, required: true },
  },
  { _id: false },
);

/*
 * Writes go through the driver (one unordered bulkWrite per upsert, see the repository), so this schema
 * is the documentation of the stored shape and the home of the indexes rather than a write-time check.
 */
const supplierSchema = new Schema<SupplierDocument>(
  {
    _id: { type: String, required: true },
    orgId: { type: String, required: true },
    externalId: { type: String, required: true },
    name: { type: String, required: true },
    code: optionalString,
    country: optionalString,
    address: optionalString,
    city: optionalString,
    state: optionalString,
    postalCode: optionalString,
    contactPerson: optionalString,
    email: optionalString,
    phone: optionalString,
    website: optionalString,
    taxId: optionalString,
    certifications: { type: [String], default: null },
    isEuOrigin: { type: Boolean, default: null },
    integrationId: { type: String, required: true },
    syncStatus: { type: String, required: true, enum: ['SYNCED'] },
    lastSyncedAt: { type: Date, required: true },
    version: { type: Number, required: true },
    pendingEvent: { type: pendingEventSchema, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'suppliers', versionKey: false, minimize: false },
);

// Upsert matching, GET /suppliers/:externalId and the pending-mark clearing. Unique: two requests
// creating the same new externalId at once leave one record (the loser's insert becomes an update).
supplierSchema.index({ orgId: 1, externalId: 1 }, { unique: true });
// GET /suppliers: one organisation's suppliers, `since` on lastSyncedAt, ordered by lastSyncedAt then
// externalId (unique within the organisation, so pages are stable).
supplierSchema.index({ orgId: 1, lastSyncedAt: 1, externalId: 1 });
// The relay: documents whose event is still pending, oldest first. Documents without one hold null
// here and never match the relay's date range.
supplierSchema.index({ 'pendingEvent.occurredAt': 1 });

/** The suppliers model, registered on `connection`. */
export function supplierModel(connection: Connection): Model<SupplierDocument> {
  return (
    (connection.models['Supplier'] as Model<SupplierDocument> | undefined) ??
    connection.model<SupplierDocument>('Supplier', supplierSchema)
  );
}
