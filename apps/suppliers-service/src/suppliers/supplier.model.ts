import { Schema } from 'mongoose';
import type { Connection, Model } from 'mongoose';
import type { RecordDocumentBase } from '@eudr/records';
import type { SupplierFields } from './suppliers.schemas';

/** A supplier as stored. `_id` is the public internal id (`sup_…`). */
export type SupplierDocument = RecordDocumentBase & SupplierFields & { syncStatus: 'SYNCED' };

const optionalString = { type: String, default: null };

/* Writes go through the driver (the record store of `@eudr/records`); this schema documents the shape and the indexes. */
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
    writeId: { type: Schema.Types.ObjectId, required: true },
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
// The relay's recovery of a write that died before storing its events: the suppliers it changed.
supplierSchema.index({ writeId: 1 });
// The events the version before the outbox still owed (`legacy-pending-events.ts`): its relay's
// {'pendingEvent.occurredAt': {$lte}} sorted by it. Sparse: it holds only suppliers still marked.
supplierSchema.index({ 'pendingEvent.occurredAt': 1 }, { sparse: true });

/** The suppliers model, registered on `connection`. */
export function supplierModel(connection: Connection): Model<SupplierDocument> {
  return (
    (connection.models['Supplier'] as Model<SupplierDocument> | undefined) ??
    connection.model<SupplierDocument>('Supplier', supplierSchema)
  );
}
