import { pageQueryShape, sinceQueryParameter } from '@eudr/service-kit';
import { z } from 'zod';

/** `page` >= 1 (default 1), `limit` 1..100 (default 50), `since` an ISO date (midnight UTC) or date-time. */
export const listQueryShape = { ...pageQueryShape, since: sinceQueryParameter() };

/**
 * `GET /products|/batches?page=&limit=&since=`. Values out of range are a 400 rather than clamped, so
 * a client bug shows at once. Other parameters are ignored.
 */
export const listQuerySchema = z.object(listQueryShape);

/** A validated list request. */
export type ListQuery = z.output<typeof listQuerySchema>;

/** The status of a record, as lists and the sync status show it. */
export type RecordSyncStatus = 'SYNCED' | 'PENDING' | 'ERROR' | 'CONFLICT';
