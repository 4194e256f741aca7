import type { z } from 'zod';
import { validationErrorFromZod } from '@eudr/service-kit';
import { externalIdSchema } from './record-fields';

export { syncStatusOf } from '@eudr/service-kit';
export type {
  BulkUpsertResponse,
  RecordError,
  RecordResult,
  RecordStatus,
  SyncLogStatus,
} from '@eudr/service-kit';

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
 * Validates each record on its own: a bad record never fails its neighbours. The first record with a
 * given (valid) externalId claims it; later ones are errors whatever their other fields, so the
 * outcome never depends on which of two conflicting records the database would have applied last.
 */
export function validateRecords<S extends z.ZodType>(
  records: readonly unknown[],
  schema: S,
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

/** Splits a list into chunks of at most `size` items. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight; results in input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
