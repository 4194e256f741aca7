export { chunks, reportedExternalId, syncStatusOf } from '@eudr/service-kit';
export type {
  BulkUpsertResponse,
  RecordError,
  RecordResult,
  RecordStatus,
  SyncLogStatus,
  ValidRecord,
} from '@eudr/service-kit';

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
