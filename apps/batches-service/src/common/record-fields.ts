import { z } from 'zod';
import { emptyToNull } from '@eudr/records';

/** Length limits of the product and batch fields, in characters after trimming. */
export const FIELD_LIMITS = {
  externalId: 100,
  name: 255,
  category: 100,
  unit: 50,
  code: 100,
  description: 2000,
  batchNumber: 100,
} as const;

/** Digits with optional dots between groups, 4 to 10 digits in all (e.g. `1801`, `4407.10.91`). */
const HS_CODE = /^[0-9]+(\.[0-9]+)*$/;
const HS_CODE_MESSAGE = 'must be 4 to 10 digits with optional dots between them, e.g. 1801 or 4407.10.91';

/** True for a well-formed HS code. */
export function isHsCode(value: string): boolean {
  // Ten digits and nine dots at most; a longer value is refused before the pattern runs.
  if (value.length > 19 || !HS_CODE.test(value)) return false;
  const digits = value.replace(/\./g, '').length;
  return digits >= 4 && digits <= 10;
}

/** A Harmonized System code; `""` or null clears it. */
export const hsCodeSchema = z
  .string({ error: 'must be a string' })
  .trim()
  .transform(emptyToNull)
  .refine((value) => value === null || isHsCode(value), { error: HS_CODE_MESSAGE })
  .nullable()
  .optional();

const isoDateTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();

/** True for an ISO 8601 calendar date (`2025-01-31`) or date-time with a zone (`…T12:00:00Z`). */
export function isIsoDate(value: string): boolean {
  // Capped before zod's patterns run: a real timestamp is at most 35 characters or so.
  return value.length <= 64 && (isoDateTime.safeParse(value).success || isoDate.safeParse(value).success);
}

/** An ISO 8601 date or date-time, kept as sent (trimmed); `""` or null clears it. */
export const isoDateSchema = z
  .string({ error: 'must be an ISO 8601 date or date-time string' })
  .trim()
  .transform(emptyToNull)
  .refine((value) => value === null || isIsoDate(value), {
    error: 'must be an ISO 8601 date or date-time with a time zone, e.g. 2025-01-31 or 2025-01-31T12:00:00Z',
  })
  .nullable()
  .optional();

/** A finite number >= 0; null clears it. Strings are refused rather than coerced. */
export const quantitySchema = z
  .number({ error: 'must be a number' })
  .refine((value) => Number.isFinite(value), { error: 'must be a finite number' })
  .refine((value) => value >= 0, { error: 'must be at least 0' })
  .nullable()
  .optional();
