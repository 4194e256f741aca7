/*
 * The shared contract of the bulk upserts (`POST /suppliers`, `/products`, `/batches`; API.md): the
 * request size limit and the response shape, identical in every service that takes records in bulk.
 */

import { BatchLimitExceededError } from './errors';

/** Most records one bulk upsert may carry; more is 400 `BATCH_LIMIT_EXCEEDED`. */
export const MAX_BATCH_SIZE = 500;

/**
 * Refuses more than {@link MAX_BATCH_SIZE} records under `body[key]` with BATCH_LIMIT_EXCEEDED. Call it
 * on the raw body before any schema, so that 501 records get that code and not a generic validation
 * error.
 */
export function checkBatchLimit(body: unknown, key: string): void {
  const records =
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  if (Array.isArray(records) && records.length > MAX_BATCH_SIZE) {
    throw new BatchLimitExceededError(
      `${key}: at most ${MAX_BATCH_SIZE} records per request, got ${records.length}; split them into several requests.`,
    );
  }
}

/** The status of one record in a bulk upsert response. */
export type RecordStatus = 'CREATED' | 'UPDATED' | 'ERROR';

/** One record of a bulk upsert response, in request order. */
export interface RecordResult {
  externalId: string;
  /** The record's public id (`sup_…`, `prd_…`, `bat_…`), or `""` when the record failed. */
  internalId: string;
  status: RecordStatus;
}

/** One failed record of a bulk upsert response. */
export interface RecordError {
  externalId: string;
  error: string;
}

/** The body of a bulk upsert response (always 200 once the request itself is well-formed). */
export interface BulkUpsertResponse {
  /** False only when every record failed (nothing was written). */
  success: boolean;
  created: number;
  updated: number;
  errors: RecordError[];
  records: RecordResult[];
}

/** Outcome of a bulk upsert, as sync logs and sync events carry it: every record written, some, or none. */
export type SyncLogStatus = 'SUCCESS' | 'PARTIAL' | 'ERROR';

/** `SUCCESS` when nothing failed, `PARTIAL` when some records were written, else `ERROR`. */
export function syncStatusOf(written: number, failed: number): SyncLogStatus {
  if (failed === 0) return 'SUCCESS';
  return written > 0 ? 'PARTIAL' : 'ERROR';
}
