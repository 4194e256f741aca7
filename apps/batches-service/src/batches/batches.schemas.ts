import { z } from 'zod';
import { externalIdSchema, optionalText, requiredText } from '@eudr/records';
import { FIELD_LIMITS, isoDateSchema, quantitySchema } from '../common/record-fields';

/**
 * One batch record of a bulk upsert. Unknown fields are dropped. Optional fields may be absent
 * (unchanged on update), null or `""` (cleared).
 */
export const batchInputSchema = z.object({
  externalId: externalIdSchema,
  productExternalId: requiredText(FIELD_LIMITS.externalId),
  batchNumber: requiredText(FIELD_LIMITS.batchNumber),
  quantity: quantitySchema,
  unit: optionalText(FIELD_LIMITS.unit),
  receivedDate: isoDateSchema,
  expiryDate: isoDateSchema,
});

/** A batch record after validation. */
export type BatchInput = z.output<typeof batchInputSchema>;

/** The optional fields of a batch. */
export const OPTIONAL_BATCH_FIELDS = [
  'quantity',
  'unit',
  'receivedDate',
  'expiryDate',
] as const satisfies readonly (keyof BatchInput)[];

/** A batch's own fields as stored and shown: every optional one null when not set. */
export type BatchFields = {
  productExternalId: string;
  batchNumber: string;
  quantity: number | null;
  unit: string | null;
  receivedDate: string | null;
  expiryDate: string | null;
};

/** The outer shape of a bulk upsert body; the records themselves are validated one by one. */
export const batchesBodySchema = z.object(
  {
    batches: z
      .array(z.unknown(), {
        error: (issue) => (issue.input === undefined ? 'is required' : 'must be an array of batch records'),
      })
      .min(1, 'must contain at least 1 record'),
    autoCreateDDS: z.boolean({ error: 'must be true or false' }).optional().default(false),
  },
  { error: 'must be a JSON object of the form {"batches": [...]}' },
);

/** A batch as the API shows it (and as batch events carry it); `name` is the batch number. */
export type BatchEntity = {
  externalId: string;
  internalId: string;
  name: string;
} & BatchFields & {
    syncStatus: 'SYNCED';
    lastSyncedAt: string;
    createdAt: string;
    updatedAt: string;
  };

/** A DDS created by a batch upsert with `autoCreateDDS`. */
export interface DdsCreated {
  batchExternalId: string;
  ddsNumber: string;
  status: 'DRAFT';
}

/** A written batch for which `autoCreateDDS` created no DDS, and why. */
export interface DdsSkipped {
  batchExternalId: string;
  reason: string;
}
