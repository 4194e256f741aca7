import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import type { SupplierFields } from './suppliers.schemas';

/**
 * The change event a write owes to Kafka, stored on the document by the same write (see
 * `supplier-events.publisher.ts`). The event's data is the document itself, so only the envelope is
 * kept; its type and, for a create, its id follow from `createEventId`.
 */
export interface PendingSupplierEvent {
  /** The event id: consumers deduplicate on it. */
  id: string;
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
  /** Incremented by every write; starts at 1. A pending mark is cleared only at the version published. */
  version: number;
  /** The newest change event the broker has not acknowledged yet; null once it has. */
  pendingEvent: PendingSupplierEvent | null;
  /**
   * The id of this supplier's one `supplier.created`, until the broker acknowledged it (null after).
   * Until then every event of the supplier is that create, carrying the state as published: nobody is
   * told of an update to a supplier they never heard of, nor of two creates.
   */
  createEventId: string | null;
  createdAt: Date;
  updatedAt: Date;
};

const optionalString = { type: String, default: null };

const pendingEventSchema = new Schema<PendingSupplierEvent>(
  {
    id: { type: String, required: true },
    occurredAt: { type: Date, required: true },
    correlationId: optionalString,
    integrationId: { type: String, required: true },
  },
  { _id: false },
);

/*
 * Reads and writes go through the driver (one unordered bulkWrite of upserts per request, see the
 * repository), so this schema documents the stored shape and declares the indexes; it checks nothing.
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
    createEventId: { type: String, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'suppliers', versionKey: false, minimize: false },
);

// The upsert's filter {orgId, externalId}, its read-back ({orgId, externalId: {$in}}) and
// GET /suppliers/:externalId. Unique: two replicas upserting the same new externalId leave one document.
supplierSchema.index({ orgId: 1, externalId: 1 }, { unique: true });
// GET /suppliers: {orgId, lastSyncedAt: {$gt: since}} (since optional) sorted by lastSyncedAt then
// externalId, with skip/limit and the count. Equality, then the sort that is also the range: every
// page is an index walk, and externalId (unique within the organisation) keeps pages stable.
supplierSchema.index({ orgId: 1, lastSyncedAt: 1, externalId: 1 });
// The relay: {'pendingEvent.occurredAt': {$lte: olderThan}} sorted by it. Sparse: a published
// supplier (pendingEvent null) has no entry, so the index holds only what is still owed.
supplierSchema.index({ 'pendingEvent.occurredAt': 1 }, { sparse: true });

/** The suppliers model, registered on `connection`. */
export function supplierModel(connection: Connection): Model<SupplierDocument> {
  return (
    (connection.models['Supplier'] as Model<SupplierDocument> | undefined) ??
    connection.model<SupplierDocument>('Supplier', supplierSchema)
  );
}
