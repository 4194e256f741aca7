import type { TokenUsageReport } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';

/** Most entries in one report, as the `auth.token-usage` schema allows. */
const MAX_PER_REPORT = 1_000;

/** Collects last-used times in memory and reports them in batches; see {@link createUsageRecorder}. */
export interface UsageRecorder {
  /** Notes that a token was used at `atMs` (epoch ms). Memory only, no I/O. */
  record(tokenId: string, atMs: number): void;
  /** Reports everything pending now; on failure the data stays pending for the next flush. */
  flush(): Promise<void>;
  /** Starts flushing every `flushIntervalMs`. */
  start(): void;
  /** Stops the timer and flushes what is pending. */
  stop(): Promise<void>;
  /** Tokens waiting to be reported. */
  pending(): number;
  /** Uses not recorded because the pending map was full, since creation. */
  dropped(): number;
}

/** Options of {@link createUsageRecorder}. */
export interface UsageRecorderOptions {
  /** Sends the reports of one flush (one message each, at most 1000 tokens per report). */
  publish: (reports: TokenUsageReport[]) => Promise<void>;
  /** Names the reporting service and replica in every report. */
  source: string;
  /** Default 5000. */
  flushIntervalMs?: number;
  /** Most distinct tokens held between flushes. Default 100000. */
  maxPending?: number;
  logger: Logger;
}

/**
 * Creates a usage recorder. Each token keeps only its latest use (max `lastUsedAt`), so memory grows with
 * the number of distinct tokens used between flushes, never with traffic, and is capped by `maxPending`
 * (further new tokens are dropped until the next flush: `lastUsedAt` is informational, so losing some
 * beats unbounded memory during a long Kafka outage). A failed flush puts its entries back, merged with
 * anything recorded meanwhile. Flushes never overlap.
 */
export function createUsageRecorder(options: UsageRecorderOptions): UsageRecorder {
  const flushIntervalMs = options.flushIntervalMs ?? 5_000;
  const maxPending = options.maxPending ?? 100_000;
  const logger = options.logger.child({ component: 'token-usage' });
  let pending = new Map<string, number>();
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let failing = false;

  function merge(tokenId: string, atMs: number): void {
    const held = pending.get(tokenId);
    if (held === undefined) {
      if (pending.size >= maxPending) {
        dropped += 1;
        return;
      }
      pending.set(tokenId, atMs);
    } else if (atMs > held) {
      pending.set(tokenId, atMs);
    }
  }

  async function flushOnce(): Promise<void> {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    const entries = [...batch].map(([tokenId, atMs]) => ({
      tokenId,
      lastUsedAt: new Date(atMs).toISOString(),
    }));
    const reports: TokenUsageReport[] = [];
    for (let i = 0; i < entries.length; i += MAX_PER_REPORT) {
      reports.push({ source: options.source, reports: entries.slice(i, i + MAX_PER_REPORT) });
    }
    try {
      await options.publish(reports);
      if (failing) {
        failing = false;
        logger.info({ tokens: batch.size }, 'token usage reported again');
      }
    } catch (err) {
      for (const [tokenId, atMs] of batch) merge(tokenId, atMs);
      if (!failing) {
        failing = true;
        logger.warn(
          { err, tokens: batch.size },
          'could not report token usage; keeping it for the next flush',
        );
      }
    }
  }

  function flush(): Promise<void> {
    // A flush in progress is followed by another one, so that what was recorded meanwhile goes too.
    const next = (flushing ?? Promise.resolve()).then(flushOnce);
    const tracked = next.finally(() => {
      if (flushing === tracked) flushing = undefined;
    });
    flushing = tracked;
    return tracked;
  }

  return {
    record(tokenId, atMs) {
      merge(tokenId, atMs);
    },
    flush,
    start() {
      if (timer !== undefined) return;
      timer = setInterval(() => {
        // The timer skips a beat instead of queueing flushes behind a slow one.
        if (flushing === undefined) void flush();
      }, flushIntervalMs);
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await flush();
    },
    pending: () => pending.size,
    dropped: () => dropped,
  };
}
