import { z } from 'zod';
import type { FoundPage, PageRequest } from './mongo';

/** Default and largest page sizes of every list (API.md). */
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 100;

const INTEGER = /^[0-9]{1,9}$/;

/**
 * A query parameter holding an integer >= 1 (and <= `max` when given), `fallback` when absent. Out of
 * range is a 400 rather than silently clamped, so a client bug shows at once; a parameter given twice
 * (an array) is refused too.
 */
export function integerQueryParameter(fallback: number, max?: number) {
  const message =
    max === undefined ? 'must be an integer of at least 1' : `must be an integer between 1 and ${max}`;
  return z
    .string({ error: `${message}, given once` })
    .optional()
    .refine((value) => value === undefined || (value.length <= 9 && INTEGER.test(value)), { error: message })
    .transform((value) => (value === undefined ? fallback : Number(value)))
    .refine((value) => value >= 1 && (max === undefined || value <= max), { error: message });
}

/** A page of an Integration API list, `{entities, total, page, limit}` (API.md). */
export interface EntityPage<T> {
  entities: T[];
  total: number;
  page: number;
  limit: number;
}

/** The page of a list as the Integration API answers it: each stored document in its view. */
export function toEntityPage<D, V>(
  { items, total }: FoundPage<D>,
  { page, limit }: PageRequest,
  toView: (doc: D) => V,
): EntityPage<V> {
  return { entities: items.map(toView), total, page, limit };
}

/** `?page=&limit=` of every list: page >= 1 (default 1), limit 1..100 (default 50). Spread into a schema. */
export const pageQueryShape = {
  page: integerQueryParameter(1),
  limit: integerQueryParameter(DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT),
};

const isoDateTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();
const SINCE_MESSAGE =
  'must be an ISO 8601 date or date-time with a time zone, e.g. 2025-01-31 or 2025-01-31T12:00:00Z';

/** `?since=`: an ISO 8601 date (midnight UTC) or date-time with a zone, as a `Date`; absent → undefined. */
export function sinceQueryParameter() {
  return z
    .string({ error: `${SINCE_MESSAGE}, given once` })
    .optional()
    .refine(
      (value) =>
        value === undefined ||
        // Capped before zod's patterns run: a real timestamp is at most 35 characters or so.
        (value.length <= 64 && (isoDateTime.safeParse(value).success || isoDate.safeParse(value).success)),
      { error: SINCE_MESSAGE },
    )
    .transform((value) => (value === undefined ? undefined : new Date(value)));
}
