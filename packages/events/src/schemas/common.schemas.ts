import { z } from 'zod';

/** A non-empty identifier (`tok_…`, `int_…`, an organisation id, an ERP external id). */
export const idSchema = z.string().min(1).max(200);

/** An ISO 8601 timestamp with time and zone, as `Date.prototype.toISOString()` writes it. */
export const isoDateTimeSchema = z.iso.datetime({ offset: true });
