import type { Logger } from '@eudr/service-kit';

/** One observed use: a token, when it was last used, and from where. */
export interface UsageReport {
  tokenId: string;
  /** ISO 8601 instant. */
  lastUsedAt: string;
  /** The client addresses of the report, each with its latest use; the latest use's is taken. */
  addresses?: readonly { address: string; lastUsedAt: string }[];
  userAgent?: string;
}

/** A token's latest use as written: when, from which address, with which User-Agent. */
export interface LastUse {
  at: Date;
  address: string | null;
  userAgent: string | null;
}

/** Options of {@link createUsageFolder}. */
export interface UsageFolderOptions {
  /** How long reports are collected before one write; the first report of a batch starts the clock. */
  flushMs: number;
  /** Writes the latest use per token (the caller makes it monotonic: only a later use replaces one). */
  write: (lastUsed: ReadonlyMap<string, LastUse>) => Promise<void>;
  logger: Logger;
  /** The clock; reports from the future are clamped to it. */
  now?: () => Date;
}

/** Folds usage reports into at most one write per flush interval; see {@link createUsageFolder}. */
export interface UsageFolder {
  /**
   * Adds reports to the next write and resolves once that write succeeded, so a consumer commits its
   * offsets only for reports that are stored. Rejects when the write fails (the consumer redelivers;
   * the write is idempotent).
   */
  add(reports: readonly UsageReport[]): Promise<void>;
  /** Writes what is collected now. */
  flush(): Promise<void>;
  /** Writes what is collected and stops the timer. */
  stop(): Promise<void>;
  /** Reports collected and not yet written. */
  pendingTokens(): number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Batches token-usage reports: keeps the latest instant per token in memory and writes them all at
 * once every `flushMs`, so a burst of API calls costs one bulk write rather than one per call. A
 * `lastUsedAt` in the future (a reporter's clock running ahead) is clamped to now, so that one bad
 * clock cannot pin a token's `lastUsedAt` ahead of every real use.
 */
export function createUsageFolder(options: UsageFolderOptions): UsageFolder {
  const now = options.now ?? (() => new Date());
  let pending = new Map<string, LastUse>();
  let waiters: Waiter[] = [];
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  async function writeBatch(): Promise<void> {
    const batch = pending;
    const batchWaiters = waiters;
    pending = new Map();
    waiters = [];
    if (batch.size === 0) {
      for (const waiter of batchWaiters) waiter.resolve();
      return;
    }
    try {
      await options.write(batch);
      for (const waiter of batchWaiters) waiter.resolve();
    } catch (err) {
      options.logger.warn(
        { err, tokens: batch.size },
        'could not store token usage; the reports will be redelivered',
      );
      for (const waiter of batchWaiters) waiter.reject(err);
    }
  }

  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    // One write at a time: a slow write delays the next batch instead of racing it.
    chain = chain.then(writeBatch);
    return chain;
  }

  function schedule(): void {
    if (timer || stopped) return;
    timer = setTimeout(() => {
      timer = null;
      void flush();
    }, options.flushMs);
    // Shutdown flushes explicitly; a pending batch alone must not keep the process alive.
    timer.unref();
  }

  return {
    add(reports) {
      const limit = now();
      for (const report of reports) {
        const parsed = new Date(report.lastUsedAt);
        if (Number.isNaN(parsed.getTime())) continue;
        const at = parsed > limit ? limit : parsed;
        const known = pending.get(report.tokenId);
        if (known !== undefined && at <= known.at) continue;
        // The address the latest use came from: the one whose latest use is the report's.
        const latest = (report.addresses ?? []).reduce<{ address: string; lastUsedAt: string } | undefined>(
          (best, entry) => (best === undefined || entry.lastUsedAt > best.lastUsedAt ? entry : best),
          undefined,
        );
        pending.set(report.tokenId, {
          at,
          address: latest?.address ?? null,
          userAgent: report.userAgent ?? null,
        });
      }
      const written = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
      if (stopped) void flush();
      else schedule();
      return written;
    },
    flush,
    async stop() {
      stopped = true;
      await flush();
    },
    pendingTokens: () => pending.size,
  };
}
