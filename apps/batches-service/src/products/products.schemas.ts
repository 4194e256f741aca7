import { z } from 'zod';
import { countrySchema, externalIdSchema, optionalText, requiredText } from '@eudr/records';
import { FIELD_LIMITS, hsCodeSchema } from '../common/record-fields';

/**
 * One product record of a bulk upsert. Unknown fields are dropped. Every optional field may be absent
 * (unchanged on update), null or `""` (cleared).
 */
export const productInputSchema = z.object({
  externalId: externalIdSchema,
  name: requiredText(FIELD_LIMITS.name),
  category: optionalText(FIELD_LIMITS.category),
  country: countrySchema,
  hsCode: hsCodeSchema,
  unit: optionalText(FIELD_LIMITS.unit),
  code: optionalText(FIELD_LIMITS.code),
  description: optionalText(FIELD_LIMITS.description),
  supplierExternalId: optionalText(FIELD_LIMITS.externalId),
});

/** A product record after validation. */
export type ProductInput = z.output<typeof productInputSchema>;

/** The optional fields of a product, i.e. everything but `externalId` and `name`. */
export const OPTIONAL_PRODUCT_FIELDS = [
  'category',
  'country',
  'hsCode',
  'unit',
  'code',
  'description',
  'supplierExternalId',
] as const satisfies readonly (keyof ProductInput)[];

/** A product's own fields as stored and shown: every optional one null when not set. */
export type ProductFields = { name: string } & {
  [K in (typeof OPTIONAL_PRODUCT_FIELDS)[number]]: string | null;
};

/** The outer shape of a bulk upsert body; the records themselves are validated one by one. */
export const productsBodySchema = z.object(
  {
    products: z
      .array(z.unknown(), {
        error: (issue) => (issue.input === undefined ? 'is required' : 'must be an array of product records'),
      })
      .min(1, 'must contain at least 1 record'),
  },
  { error: 'must be a JSON object of the form {"products": [...]}' },
);

/** A product as the API shows it (and as product events carry it). */
export type ProductEntity = {
  externalId: string;
  internalId: string;
} & ProductFields & {
    /** PENDING while its supplier is not known yet. */
    syncStatus: 'SYNCED' | 'PENDING';
    lastSyncedAt: string;
    createdAt: string;
    updatedAt: string;
  };
