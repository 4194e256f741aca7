import AsyncLock from 'async-lock';

/**
 * Serializes one process's writes of the same document.
 *
 * FerretDB v1 (the local stack and the tests) applies every update as a read of the whole document,
 * the change applied in FerretDB, and a write of the whole document back, with nothing between the
 * read and the write. Two updates of one document at the same time therefore lose one of them: a
 * `markPublished` that read a token just before its revocation writes the unrevoked token back; two
 * `$addToSet` leave one element. MongoDB applies each update atomically, so there this lock only costs
 * a queue per key. It holds within one process: with FerretDB, writers of the same documents must be
 * one replica (docs/architecture.md, FerretDB differences).
 */
export interface DocumentLock {
  /**
   * Runs `write` once no other write of this process holds any of `keys` (document ids, or any key
   * naming one document), and holds them until `write` settles. Keys are taken in sorted order, so
   * two writes over overlapping key sets cannot deadlock.
   */
  run<T>(keys: string | Iterable<string>, write: () => Promise<T>): Promise<T>;
}

/** A {@link DocumentLock}; give every repository that writes the same documents the same one. */
export function createDocumentLock(): DocumentLock {
  // No limit on waiting writes: a bulk request queues one per record, and the caller bounds those.
  const lock = new AsyncLock({ maxPending: Number.POSITIVE_INFINITY });
  return {
    run(keys, write) {
      const sorted = typeof keys === 'string' ? [keys] : [...new Set(keys)].sort();
      if (sorted.length === 0) return write();
      return lock.acquire(sorted, write);
    },
  };
}
