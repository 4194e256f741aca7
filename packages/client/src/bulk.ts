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
 * The records to send, and the later duplicates of an externalId, which one request would refuse: the
 * first record with an externalId claims it.
 */
function splitDuplicates(records: readonly unknown[]): {
  indexes: number[];
  duplicates: { index: number; id: string; first: number }[];
} {
  const claimedAt = new Map<string, number>();
  const indexes: number[] = [];
  const duplicates: { index: number; id: string; first: number }[] = [];
  records.forEach((record, index) => {
    const id = externalIdOf(record);
    const first = id === '' || id.length > 100 ? undefined : claimedAt.get(id);
    if (first !== undefined) duplicates.push({ index, id, first });
    else {
      if (id !== '') claimedAt.set(id, index);
      indexes.push(index);
    }
  });
  return { indexes, duplicates };
}

/** What a push has been answered so far, record by record in input order, and its running counts. */
function createTally<T>(records: readonly T[], onProgress: PushOptions['onProgress']) {
  const total = records.length;
  const results: (RecordResult | undefined)[] = Array.from({ length: total }, () => undefined);
  const errorAt = new Map<number, string>();
  const dds: { index: number; entry: DdsCreated }[] = [];
  const counts = { created: 0, updated: 0, done: 0 };
  const report = () =>
    onProgress?.({
      done: counts.done,
      total,
      created: counts.created,
      updated: counts.updated,
      failed: errorAt.size,
    });

  return {
    report,
    /** The indexes to send; later duplicates of an externalId are refused here with the API's own message. */
    toSend(): number[] {
      const { indexes, duplicates } = splitDuplicates(records);
      for (const { index, id, first } of duplicates) {
        results[index] = { externalId: id, internalId: '', status: 'ERROR' };
        errorAt.set(
          index,
          `externalId: duplicate of record ${first} in this request (records are numbered from 0)`,
        );
        counts.done += 1;
      }
      return indexes;
    },
    /** Records the answer to the request that sent `indexes`. */
    merge(indexes: number[], answer: ChunkAnswer): void {
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
    },
    /** Marks every record left unanswered as not sent because the push stopped; returns their indexes. */
    notSent(stopped: EudrError): number[] {
      const indexes: number[] = [];
      for (let index = 0; index < total; index += 1) if (results[index] === undefined) indexes.push(index);
      for (const index of indexes) {
        results[index] = { externalId: externalIdOf(records[index]), internalId: '', status: 'ERROR' };
        errorAt.set(index, `not sent: ${stopped.code}`);
      }
      return indexes;
    },
    result(): PushResult {
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
      return result;
    },
  };
}

/**
 * Sends the chunks through `sendChunk`, `concurrency` at a time. The first failure stops the push:
 * nothing new is sent, the chunks in flight are awaited, and the failure is returned (undefined when
 * every chunk was answered).
 */
async function sendAll(
  chunks: readonly number[][],
  concurrency: number,
  signal: AbortSignal | undefined,
  sendChunk: (indexes: number[]) => Promise<void>,
): Promise<unknown> {
  let next = 0;
  let stopped: unknown;
  const worker = async () => {
    while (stopped === undefined && next < chunks.length) {
      const chunk = chunks[next] as number[];
      next += 1;
      try {
        signal?.throwIfAborted();
        await sendChunk(chunk);
      } catch (error) {
        stopped ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  return stopped;
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
  const tally = createTally(records, options.onProgress);
  const toSend = tally.toSend();

  const sendIndexes = async (indexes: number[]): Promise<void> => {
    try {
      tally.merge(indexes, await send(indexes.map((index) => records[index] as T)));
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
  tally.report();
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const stopped = await sendAll(chunks, concurrency, options.signal, sendIndexes);
  if (stopped === undefined) return tally.result();
  if (!(stopped instanceof EudrError)) throw stopped;
  const notSent = tally.notSent(stopped);
  throw new PushStoppedError(stopped, tally.result(), notSent);
}
