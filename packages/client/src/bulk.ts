import { ApiError, EudrError } from './errors';
import type { components } from './generated/openapi';

type RecordResult = components['schemas']['RecordResult'];
type DdsCreated = NonNullable<components['schemas']['BatchUpsertResponse']['ddsCreated']>[number];

/** Most records the API takes in one bulk request (the document's `maxItems`). */
export const MAX_RECORDS_PER_REQUEST = 500;

/** What one bulk request answers (suppliers, products and batches alike; `ddsCreated` for batches). */
export interface ChunkAnswer {
  created: number;
  updated: number;
  errors: components['schemas']['RecordError'][];
  records: RecordResult[];
  ddsCreated?: DdsCreated[];
}

/** A failed record of a push, with its position in the input (from 0). */
export interface PushRecordError {
  index: number;
  externalId: string;
  error: string;
}

/** The outcome of a push of any size, in input order, as if it had been one request. */
export interface PushResult {
  /** False only when every record failed. */
  success: boolean;
  created: number;
  updated: number;
  /** One per failed record, in input order. */
  errors: PushRecordError[];
  /** One per input record, in input order. */
  records: RecordResult[];
  /** Batches only: the DDS drafted by `autoCreateDDS`, in input order. */
  ddsCreated?: DdsCreated[];
}

/** Progress of a push, reported after every answered request. */
export interface PushProgress {
  /** Records answered so far (including records refused before sending). */
  done: number;
  total: number;
  created: number;
  updated: number;
  failed: number;
}

/** Options of a push (`suppliers.upsert`, `products.upsert`, `batches.upsert`). */
export interface PushOptions {
  /** Records per request, 1 to 500; default 500. */
  chunkSize?: number;
  /** Requests in flight at once; default the client's (4). */
  concurrency?: number;
  onProgress?: (progress: PushProgress) => void;
  signal?: AbortSignal;
}

/**
 * A push stopped before every record was answered, because a request failed as a whole (a revoked
 * token, a missing scope, a network failure after every retry). `code` is the failure's; `result`
 * covers every input record, those never answered as errors `not sent: <code>` (listed in `notSent`),
 * so they can be pushed again as they are.
 */
export class PushStoppedError extends EudrError {
  override readonly name = 'PushStoppedError';
  readonly result: PushResult;
  readonly notSent: number[];

  constructor(cause: EudrError, result: PushResult, notSent: number[]) {
    super(
      cause.code,
      `The push stopped after ${result.records.length - notSent.length} of ${result.records.length} records: ${cause.message}`,
      { ...(cause.requestId === undefined ? {} : { requestId: cause.requestId }), cause },
    );
    this.result = result;
    this.notSent = notSent;
  }
}

/** The externalId the API would report for a record (trimmed string, or a finite number). */
function externalIdOf(record: unknown): string {
  if (typeof record !== 'object' || record === null) return '';
  const value = (record as Record<string, unknown>)['externalId'];
  if (typeof value === 'string') return value.trim();
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : '';
}

/**
 * Sends `records` in requests of at most `chunkSize` through `send`, `concurrency` at a time, and merges
 * the answers in input order. A later duplicate of an externalId anywhere in the input is refused
 * before sending, with the API's own message, as one request would; a request refused as too large
 * (413) is split in two. The first request that fails as a whole stops the push: nothing new is sent,
 * the requests in flight are awaited, and a {@link PushStoppedError} carries what was answered.
 */
export async function pushInChunks<T>(
  records: readonly T[],
  send: (chunk: T[]) => Promise<ChunkAnswer>,
  options: PushOptions & { concurrency: number },
): Promise<PushResult> {
  const chunkSize = options.chunkSize ?? MAX_RECORDS_PER_REQUEST;
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_RECORDS_PER_REQUEST) {
    throw new RangeError(`chunkSize must be an integer from 1 to ${MAX_RECORDS_PER_REQUEST}`);
  }
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const total = records.length;
  const results: (RecordResult | undefined)[] = Array.from({ length: total }, () => undefined);
  const errorAt = new Map<number, string>();
  const dds: { index: number; entry: DdsCreated }[] = [];
  const counts = { created: 0, updated: 0, done: 0 };

  // The first record with an externalId claims it (as in one request: records are numbered from 0).
  const claimedAt = new Map<string, number>();
  const toSend: number[] = [];
  records.forEach((record, index) => {
    const id = externalIdOf(record);
    const first = id === '' || id.length > 100 ? undefined : claimedAt.get(id);
    if (first !== undefined) {
      results[index] = { externalId: id, internalId: '', status: 'ERROR' };
      errorAt.set(
        index,
        `externalId: duplicate of record ${first} in this request (records are numbered from 0)`,
      );
      counts.done += 1;
      return;
    }
    if (id !== '') claimedAt.set(id, index);
    toSend.push(index);
  });

  const report = () =>
    options.onProgress?.({
      done: counts.done,
      total,
      created: counts.created,
      updated: counts.updated,
      failed: errorAt.size,
    });

  const merge = (indexes: number[], answer: ChunkAnswer) => {
    let nextError = 0;
    indexes.forEach((index, i) => {
      const result = answer.records[i] ?? {
        externalId: externalIdOf(records[index]),
        internalId: '',
        status: 'ERROR',
      };
      results[index] = result;
      if (result.status === 'ERROR') {
        // The API lists one error per failed record, in request order.
        errorAt.set(index, answer.errors[nextError]?.error ?? 'record: failed without a reason');
        nextError += 1;
      }
    });
    const byExternalId = new Map(indexes.map((index) => [externalIdOf(records[index]), index]));
    for (const entry of answer.ddsCreated ?? []) {
      dds.push({ index: byExternalId.get(entry.batchExternalId) ?? total, entry });
    }
    counts.created += answer.created;
    counts.updated += answer.updated;
    counts.done += indexes.length;
    report();
  };

  const sendIndexes = async (indexes: number[]): Promise<void> => {
    try {
      merge(indexes, await send(indexes.map((index) => records[index] as T)));
    } catch (error) {
      if (error instanceof ApiError && error.status === 413 && indexes.length > 1) {
        const half = Math.ceil(indexes.length / 2);
        await sendIndexes(indexes.slice(0, half));
        await sendIndexes(indexes.slice(half));
        return;
      }
      throw error;
    }
  };

  const chunks: number[][] = [];
  for (let i = 0; i < toSend.length; i += chunkSize) chunks.push(toSend.slice(i, i + chunkSize));
  let next = 0;
  let stopped: unknown;
  const worker = async () => {
    while (stopped === undefined && next < chunks.length) {
      const chunk = chunks[next] as number[];
      next += 1;
      try {
        options.signal?.throwIfAborted();
        await sendIndexes(chunk);
      } catch (error) {
        stopped ??= error;
      }
    }
  };
  report();
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));

  const notSent: number[] = [];
  if (stopped !== undefined) {
    if (!(stopped instanceof EudrError)) throw stopped;
    for (let index = 0; index < total; index += 1) if (results[index] === undefined) notSent.push(index);
    for (const index of notSent) {
      results[index] = { externalId: externalIdOf(records[index]), internalId: '', status: 'ERROR' };
      errorAt.set(index, `not sent: ${stopped.code}`);
    }
  }
  const errors = [...errorAt]
    .sort(([a], [b]) => a - b)
    .map(([index, error]) => ({ index, externalId: (results[index] as RecordResult).externalId, error }));
  const result: PushResult = {
    success: errors.length === 0 || counts.created + counts.updated > 0,
    created: counts.created,
    updated: counts.updated,
    errors,
    records: results as RecordResult[],
  };
  if (dds.length > 0) result.ddsCreated = dds.sort((a, b) => a.index - b.index).map((d) => d.entry);
  if (stopped instanceof EudrError) throw new PushStoppedError(stopped, result, notSent);
  return result;
}
