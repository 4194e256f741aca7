/** The counts a bulk write reports (a subset of the driver's `BulkWriteResult`). */
export interface BulkWriteCounts {
  insertedCount: number;
  matchedCount: number;
  modifiedCount: number;
  deletedCount: number;
  upsertedCount: number;
  /** Operation index → `_id` of the document an upsert created. */
  upsertedIds: Record<number, unknown>;
}

/**
 * One operation that failed, with its index in the caller's full list. `message` is the server's text
 * and may quote the values involved: map `code` (11000 = duplicate key) to your own message before
 * showing it to API clients.
 */
export interface BulkWriteFailure {
  index: number;
  code: number | undefined;
  message: string;
}

/** What {@link chunkedBulkWrite} reports: summed counts, re-indexed upserts and failures. */
export interface ChunkedBulkWriteResult extends BulkWriteCounts {
  writeErrors: BulkWriteFailure[];
}

/** Anything with a driver-style `bulkWrite`: a mongoose model or a driver collection. */
export interface BulkWritable<Op> {
  bulkWrite(ops: Op[], options: { ordered: boolean }): Promise<BulkWriteCounts>;
}

/** Options of {@link chunkedBulkWrite}. */
export interface ChunkedBulkWriteOptions {
  /** Operations per command; default 20 (see {@link chunkedBulkWrite} for why). */
  chunkSize?: number;
  /** Stop at the first failing operation (true) or attempt every one (false, the default). */
  ordered?: boolean;
}

const DEFAULT_CHUNK_SIZE = 20;

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function countOf(result: Record<string, unknown> | undefined, key: keyof BulkWriteCounts): number {
  const value = result?.[key];
  return typeof value === 'number' ? value : 0;
}

/**
 * Runs `ops` as several bulk writes of at most `chunkSize` operations and reports them as one: counts
 * summed, `upsertedIds` and `writeErrors` indexed into the full `ops` list. Write errors (e.g. a
 * duplicate key) are returned, not thrown; other errors (the database is down) are thrown.
 *
 * Why chunks: FerretDB v1.24 with its SQLite backend keeps one pooled SQLite connection open for every
 * statement of an `update` command that matches an existing document until the whole command ends,
 * and its pool holds 100 connections per database. An update command with more than about 100 upserts
 * of existing documents therefore waits forever for a connection, and wedges that database for every
 * other client. Concurrent commands share the pool, so small chunks keep several bulk writers on one
 * database clear of that limit. On MongoDB the chunks only cost a few extra round trips.
 */
export async function chunkedBulkWrite<Op>(
  target: BulkWritable<Op>,
  ops: readonly Op[],
  options: ChunkedBulkWriteOptions = {},
): Promise<ChunkedBulkWriteResult> {
  const chunkSize = Math.max(1, Math.floor(options.chunkSize ?? DEFAULT_CHUNK_SIZE));
  const ordered = options.ordered ?? false;
  const total: ChunkedBulkWriteResult = {
    insertedCount: 0,
    matchedCount: 0,
    modifiedCount: 0,
    deletedCount: 0,
    upsertedCount: 0,
    upsertedIds: {},
    writeErrors: [],
  };

  const add = (result: Record<string, unknown> | undefined, offset: number): void => {
    total.insertedCount += countOf(result, 'insertedCount');
    total.matchedCount += countOf(result, 'matchedCount');
    total.modifiedCount += countOf(result, 'modifiedCount');
    total.deletedCount += countOf(result, 'deletedCount');
    total.upsertedCount += countOf(result, 'upsertedCount');
    const upserted = asRecord(result?.upsertedIds);
    for (const [index, id] of Object.entries(upserted ?? {})) total.upsertedIds[offset + Number(index)] = id;
  };

  for (let offset = 0; offset < ops.length; offset += chunkSize) {
    const chunk = ops.slice(offset, offset + chunkSize);
    try {
      add(asRecord(await target.bulkWrite(chunk, { ordered })), offset);
    } catch (err) {
      const bulkError = asRecord(err);
      const writeErrors = bulkError?.writeErrors;
      if (!Array.isArray(writeErrors)) throw err;
      // MongoBulkWriteError: the chunk partly succeeded; its result still holds the counts.
      add(asRecord(bulkError?.result), offset);
      for (const writeError of writeErrors as unknown[]) {
        const record = asRecord(writeError);
        const index = typeof record?.index === 'number' ? record.index : 0;
        const message =
          [record?.errmsg, record?.message].find((m): m is string => typeof m === 'string') ?? 'write failed';
        total.writeErrors.push({
          index: offset + index,
          code: typeof record?.code === 'number' ? record.code : undefined,
          message,
        });
      }
      if (ordered) break;
    }
  }
  return total;
}
