import type { SupplierDocument } from './supplier.model';
import type { SupplierEntity } from './suppliers.schemas';

/** The API (and event) view of a stored supplier: the public fields, dates as ISO strings. */
export function toSupplierEntity(doc: SupplierDocument): SupplierEntity {
  return {
    externalId: doc.externalId,
    internalId: doc._id,
    name: doc.name,
    code: doc.code ?? null,
    country: doc.country ?? null,
    address: doc.address ?? null,
    city: doc.city ?? null,
    state: doc.state ?? null,
    postalCode: doc.postalCode ?? null,
    contactPerson: doc.contactPerson ?? null,
    email: doc.email ?? null,
    phone: doc.phone ?? null,
    website: doc.website ?? null,
    taxId: doc.taxId ?? null,
    certifications: doc.certifications ?? null,
    isEuOrigin: doc.isEuOrigin ?? null,
    syncStatus: doc.syncStatus,
    lastSyncedAt: doc.lastSyncedAt.toISOString(),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}
