import { countrySchema, externalIdSchema, optionalText, requiredText, trimmedText } from '@eudr/records';
import { pageQueryShape, sinceQueryParameter } from '@eudr/service-kit';
import type { EntityPage } from '@eudr/service-kit';
import { z } from 'zod';

export type { BulkUpsertResponse, RecordError, RecordResult, RecordStatus } from '@eudr/records';

/** Length limits of the supplier fields, in characters after trimming. */
export const FIELD_LIMITS = {
  externalId: 100,
  name: 255,
  code: 100,
  address: 500,
  city: 100,
  state: 100,
  postalCode: 20,
  contactPerson: 255,
  email: 254,
  phone: 50,
  website: 2048,
  taxId: 50,
  certification: 100,
  certifications: 50,
} as const;

const EMAIL_MESSAGE = 'must be an email address';
const WEBSITE_MESSAGE = 'must be an http or https URL with a domain name, e.g. https://example.com';

/**
 * One supplier record of a bulk upsert. Unknown fields are dropped. Every optional field may be
 * absent (unchanged on update), null or `""` (cleared).
 */
export const supplierInputSchema = z.object({
  externalId: externalIdSchema,
  name: requiredText(FIELD_LIMITS.name),
  code: optionalText(FIELD_LIMITS.code),
  country: countrySchema,
  address: optionalText(FIELD_LIMITS.address),
  city: optionalText(FIELD_LIMITS.city),
  state: optionalText(FIELD_LIMITS.state),
  postalCode: optionalText(FIELD_LIMITS.postalCode),
  contactPerson: optionalText(FIELD_LIMITS.contactPerson),
  email: trimmedText(FIELD_LIMITS.email)
    .pipe(z.email({ error: EMAIL_MESSAGE }).nullable())
    .nullable()
    .optional(),
  phone: optionalText(FIELD_LIMITS.phone),
  website: trimmedText(FIELD_LIMITS.website)
    .pipe(z.url({ protocol: /^https?$/, hostname: z.regexes.domain, error: WEBSITE_MESSAGE }).nullable())
    .nullable()
    .optional(),
  taxId: optionalText(FIELD_LIMITS.taxId),
  certifications: z
    .array(requiredText(FIELD_LIMITS.certification), {
      error: 'must be an array of strings',
    })
    .max(FIELD_LIMITS.certifications, `must have at most ${FIELD_LIMITS.certifications} entries`)
    .nullable()
    .optional(),
  isEuOrigin: z.boolean({ error: 'must be true or false' }).nullable().optional(),
});

/** A supplier record after validation. */
export type SupplierInput = z.output<typeof supplierInputSchema>;

/** The optional fields of a supplier, i.e. everything but `externalId` and `name`. */
export const OPTIONAL_SUPPLIER_FIELDS = [
  'code',
  'country',
  'address',
  'city',
  'state',
  'postalCode',
  'contactPerson',
  'email',
  'phone',
  'website',
  'taxId',
  'certifications',
  'isEuOrigin',
] as const satisfies readonly (keyof SupplierInput)[];

/** One of {@link OPTIONAL_SUPPLIER_FIELDS}. */
export type OptionalSupplierField = (typeof OPTIONAL_SUPPLIER_FIELDS)[number];

/** A supplier's own fields as stored and shown: every optional one null when not set. */
export type SupplierFields = { name: string } & {
  [K in OptionalSupplierField]: Exclude<SupplierInput[K], undefined> | null;
};

/** The outer shape of a bulk upsert body; the records themselves are validated one by one. */
export const bulkUpsertBodySchema = z.object(
  {
    suppliers: z
      .array(z.unknown(), {
        error: (issue) =>
          issue.input === undefined ? 'is required' : 'must be an array of supplier records',
      })
      .min(1, 'must contain at least 1 record'),
  },
  { error: 'must be a JSON object of the form {"suppliers": [...]}' },
);

/**
 * `GET /suppliers?page=&limit=&since=`: page >= 1 (default 1), limit 1..100 (default 50), since an ISO
 * date (midnight UTC) or date-time. Values out of range are a 400 rather than clamped, so a client bug
 * shows at once. Other parameters are ignored.
 */
export const listQuerySchema = z.object({ ...pageQueryShape, since: sinceQueryParameter() });

/** A validated list request. */
export type ListQuery = z.output<typeof listQuerySchema>;

/** A supplier as the API shows it (and as supplier events carry it): every field, null when not set. */
export type SupplierEntity = {
  externalId: string;
  internalId: string;
} & SupplierFields & {
    syncStatus: 'SYNCED';
    lastSyncedAt: string;
    createdAt: string;
    updatedAt: string;
  };

/** The body of `GET /suppliers`. */
export type SupplierList = EntityPage<SupplierEntity>;
