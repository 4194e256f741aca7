import { z } from 'zod';
import { isCountryCode } from './country-codes';

/** Longest externalId of any record, in characters after trimming. */
export const MAX_EXTERNAL_ID_LENGTH = 100;

const maxChars = (max: number) => `must be at most ${max} characters`;

/** `""` after trimming means "no value": ERP exports write empty columns as empty strings. */
export const emptyToNull = (value: string): string | null => (value === '' ? null : value);

const requiredMessage = (issue: { input: unknown }) =>
  issue.input === undefined ? 'is required' : 'must be a string';

/** A required text field: trimmed, 1..max characters. */
export function requiredText(max: number) {
  return z.string({ error: requiredMessage }).trim().min(1, 'must not be empty').max(max, maxChars(max));
}

/** A trimmed string of at most `max` characters, `""` read as null. */
export function trimmedText(max: number) {
  return z.string({ error: 'must be a string' }).trim().max(max, maxChars(max)).transform(emptyToNull);
}

/**
 * An optional text field: trimmed, length-limited, `""` stored as null. Absent leaves the stored value
 * unchanged on an update; null (or `""`) clears it.
 */
export function optionalText(max: number) {
  return trimmedText(max).nullable().optional();
}

/**
 * The caller's id of a record: trimmed, 1..100 characters, not `.` or `..`: URL paths drop those
 * segments, so such a record could never be read back at /suppliers|products|batches/{externalId}.
 */
export const externalIdSchema = requiredText(MAX_EXTERNAL_ID_LENGTH).refine(
  (id) => id !== '.' && id !== '..',
  'must not be "." or ".." (a URL path cannot name it)',
);

/** An ISO 3166-1 alpha-2 code, upper-cased; `""` or null clears it. */
export const countrySchema = z
  .string({ error: 'must be a string' })
  .trim()
  .toUpperCase()
  .transform(emptyToNull)
  .refine((value) => value === null || isCountryCode(value), {
    error: 'must be an ISO 3166-1 alpha-2 country code, e.g. DE',
  })
  .nullable()
  .optional();
