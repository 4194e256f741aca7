import { modelOn } from '@eudr/service-kit';
import { optionalString, recordSchema } from '@eudr/records';
import type { RecordDocumentBase } from '@eudr/records';
import type { Connection, Model } from 'mongoose';
import type { SupplierFields } from './suppliers.schemas';

/** A supplier as stored. `_id` is the public internal id (`sup_…`). */
export type SupplierDocument = RecordDocumentBase & SupplierFields & { syncStatus: 'SYNCED' };

const supplierSchema = recordSchema<SupplierDocument>(
  'suppliers',
  {
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
  },
  ['SYNCED'],
);
// The events the version before the outbox still owed (`legacy-pending-events.ts`): its relay's
// {'pendingEvent.occurredAt': {$lte}} sorted by it. Sparse: it holds only suppliers still marked.
supplierSchema.index({ 'pendingEvent.occurredAt': 1 }, { sparse: true });

/** The suppliers model, registered on `connection`. */
export function supplierModel(connection: Connection): Model<SupplierDocument> {
  return modelOn(connection, 'Supplier', supplierSchema);
}
