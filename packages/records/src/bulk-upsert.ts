/*
 * The shared contract of the bulk upserts (`POST /suppliers`, `/products`, `/batches`): the request
 * size limit, per-record validation and the response shape.
 */

import type { z } from 'zod';
import { BatchLimitExceededError, validationErrorFromZod } from '@eudr/service-kit';

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

/** A record that passed validation, with its position in the request. */
export interface ValidRecord<T> {
  index: number;
  input: T;
}

/** The records of a request split into the valid ones and the per-record errors, by index. */
export interface ValidatedRecords<T> {
  valid: ValidRecord<T>[];
  errors: Map<number, string>;
}

/** Longest externalId echoed back for a record whose externalId is itself invalid. */
const MAX_ECHOED_ID = 200;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The externalId to report for a record, as well as it can be read. */
export function reportedExternalId(raw: unknown): string {
  if (!isPlainObject(raw)) return '';
  const value = raw['externalId'];
  if (typeof value === 'string') return value.trim().slice(0, MAX_ECHOED_ID);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return '';
}

/**
 * Validates each record on its own against `schema`: a bad record never fails its neighbours. The
 * first record with a given externalId (valid by `externalIdSchema`) claims it; later ones are errors
 * whatever their other fields, so the outcome never depends on which of two conflicting records the
 * database would have applied last.
 */
export function validateRecords<S extends z.ZodType>(
  records: readonly unknown[],
  schema: S,
  externalIdSchema: z.ZodType<string>,
): ValidatedRecords<z.output<S>> {
  const errors = new Map<number, string>();
  const valid: ValidRecord<z.output<S>>[] = [];
  const claimedAt = new Map<string, number>();
  records.forEach((raw, index) => {
    if (!isPlainObject(raw)) {
      errors.set(index, 'record: must be a JSON object');
      return;
    }
    const id = externalIdSchema.safeParse(raw['externalId']);
    if (id.success) {
      const first = claimedAt.get(id.data);
      if (first !== undefined) {
        errors.set(
          index,
          `externalId: duplicate of record ${first} in this request (records are numbered from 0)`,
        );
        return;
      }
      claimedAt.set(id.data, index);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      errors.set(
        index,
        validationErrorFromZod(parsed.error, { rootLabel: 'record', maxIssuesInMessage: 5 }).message,
      );
      return;
    }
    valid.push({ index, input: parsed.data });
  });
  return { valid, errors };
}
