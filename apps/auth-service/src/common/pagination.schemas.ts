import { z } from 'zod';

/** Default and largest page sizes of every admin list. */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;

function positiveInteger(max?: number) {
  const message =
    max === undefined ? 'must be an integer of at least 1' : `must be an integer between 1 and ${max}`;
  return z
    .string()
    .regex(/^\d+$/, { error: message })
    .transform(Number)
    .pipe(
      z
        .number()
        .int({ error: message })
        .min(1, { error: message })
        .max(max ?? Number.MAX_SAFE_INTEGER, { error: message }),
    );
}

/**
 * `?page=&limit=` of the admin lists: page >= 1 (default 1), limit 1..100 (default 50). Values out of
 * range are a 400 rather than silently clamped, so a client bug shows at once.
 */
export const paginationQuerySchema = z.object({
  page: z
    .string({ error: 'must be given once, as an integer' })
    .optional()
    .transform((value) => value ?? '1')
    .pipe(positiveInteger()),
  limit: z
    .string({ error: 'must be given once, as an integer' })
    .optional()
    .transform((value) => value ?? String(DEFAULT_LIMIT))
    .pipe(positiveInteger(MAX_LIMIT)),
});

/** A page request after validation. */
export type Pagination = z.output<typeof paginationQuerySchema>;

/** The body of every paginated admin list. */
export interface Page<T> {
  data: T[];
  total: number;
  page: number;
  limit: number;
}
