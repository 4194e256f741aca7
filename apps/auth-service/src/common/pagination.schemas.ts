import { pageQueryShape } from '@eudr/service-kit';
import { z } from 'zod';

/**
 * `?page=&limit=` of the admin lists: page >= 1 (default 1), limit 1..100 (default 50). Values out of
 * range are a 400 rather than silently clamped, so a client bug shows at once.
 */
export const paginationQuerySchema = z.object(pageQueryShape);

/** A page request after validation. */
export type Pagination = z.output<typeof paginationQuerySchema>;

/** The body of every paginated admin list. */
export interface Page<T> {
  data: T[];
  total: number;
  page: number;
  limit: number;
}

/** The page of `pagination` holding a repository's `items` and `total`. */
export function toPage<T>(found: { items: T[]; total: number }, pagination: Pagination): Page<T> {
  return { data: found.items, total: found.total, page: pagination.page, limit: pagination.limit };
}
