import { MAX_ADDRESSES_PER_USAGE_REPORT } from '@eudr/events';
import type { TokenUsageReport } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import { normalizeClientAddress } from './address-allowlist';

/** Most entries (and refusals) in one report, as the `auth.token-usage` schema allows. */
const MAX_PER_REPORT = 1_000;

/** Most (token, address) refusals held between flushes. */
const MAX_PENDING_REFUSALS = 10_000;

/** One token's uses since the last flush: the latest, and the latest per client address. */
interface PendingUse {
  atMs: number;
  addresses: Map<string, number>;
}

/** Collects last-used times in memory and reports them in batches; see {@link createUsageRecorder}. */
export interface UsageRecorder {
  /**
   * Notes that a token was used at `atMs` (epoch ms) from `address` (`req.ip`). Memory only, no I/O;
   * the address is normalised at flush time, and at most 10 addresses per token are kept per flush.
   */
  record(tokenId: string, atMs: number, address?: string): void;
  /** Notes that a token was refused at `atMs` because of the client address (IP_NOT_ALLOWED). */
  refuse(tokenId: string, atMs: number, address: string | undefined): void;
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
 * Creates a usage recorder. Each token keeps only its latest use (max `lastUsedAt`) and the latest use
 * per client address (at most 10 addresses per token and flush), and each (token, address) refused for
 * its address only its latest refusal (at most 10 000 pairs per flush), so memory grows with
 * the number of distinct tokens used between flushes, never with traffic, and is capped by `maxPending`
 * (further new tokens are dropped until the next flush: `lastUsedAt` is informational, so losing some
 * beats unbounded memory during a long Kafka outage). A failed flush puts its entries back, merged with
 * anything recorded meanwhile. Flushes never overlap.
 */
export function createUsageRecorder(options: UsageRecorderOptions): UsageRecorder {
  const flushIntervalMs = options.flushIntervalMs ?? 5_000;
  const maxPending = options.maxPending ?? 100_000;
  const logger = options.logger.child({ component: 'token-usage' });
  let pending = new Map<string, PendingUse>();
  let refusals = new Map<string, { tokenId: string; address: string; atMs: number }>();
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let failing = false;

  function merge(tokenId: string, atMs: number, address: string | undefined): void {
    let held = pending.get(tokenId);
    if (held === undefined) {
      if (pending.size >= maxPending) {
        dropped += 1;
        return;
      }
      held = { atMs, addresses: new Map() };
      pending.set(tokenId, held);
    } else if (atMs > held.atMs) {
      held.atMs = atMs;
    }
    if (address === undefined) return;
    const last = held.addresses.get(address);
    if (last === undefined) {
      if (held.addresses.size < MAX_ADDRESSES_PER_USAGE_REPORT) held.addresses.set(address, atMs);
    } else if (atMs > last) {
      held.addresses.set(address, atMs);
    }
  }

  function mergeRefusal(tokenId: string, atMs: number, address: string | undefined): void {
    if (address === undefined) return;
    const key = `${tokenId} ${address}`;
    const held = refusals.get(key);
    if (held !== undefined) held.atMs = Math.max(held.atMs, atMs);
    else if (refusals.size < MAX_PENDING_REFUSALS) refusals.set(key, { tokenId, address, atMs });
    else dropped += 1;
  }

  function toReports(
    batch: Map<string, PendingUse>,
    refused: Map<string, { tokenId: string; address: string; atMs: number }>,
  ): TokenUsageReport[] {
    const iso = (ms: number) => new Date(ms).toISOString();
    const entries = [...batch].map(([tokenId, use]) => {
      // Normalised here, once per address and flush, instead of on every request; two spellings of
      // one address (IPv4 and IPv4-mapped) become one entry.
      const byAddress = new Map<string, number>();
      for (const [raw, atMs] of use.addresses) {
        const normalized = normalizeClientAddress(raw);
        if (normalized !== undefined)
          byAddress.set(normalized, Math.max(atMs, byAddress.get(normalized) ?? 0));
      }
      const addresses = [...byAddress].map(([address, atMs]) => ({ address, lastUsedAt: iso(atMs) }));
      return { tokenId, lastUsedAt: iso(use.atMs), ...(addresses.length > 0 ? { addresses } : {}) };
    });
    const refusalEntries = [...refused.values()].flatMap(({ tokenId, address, atMs }) => {
      const normalized = normalizeClientAddress(address);
      return normalized === undefined ? [] : [{ tokenId, address: normalized, at: iso(atMs) }];
    });
    const reports: TokenUsageReport[] = [];
    for (let i = 0; i < Math.max(entries.length, refusalEntries.length); i += MAX_PER_REPORT) {
      const refusalsPart = refusalEntries.slice(i, i + MAX_PER_REPORT);
      reports.push({
        source: options.source,
        reports: entries.slice(i, i + MAX_PER_REPORT),
        ...(refusalsPart.length > 0 ? { refusals: refusalsPart } : {}),
      });
    }
    return reports;
  }

  async function flushOnce(): Promise<void> {
    if (pending.size === 0 && refusals.size === 0) return;
    const batch = pending;
    const refused = refusals;
    pending = new Map();
    refusals = new Map();
    const reports = toReports(batch, refused);
    try {
      if (reports.length > 0) await options.publish(reports);
      if (failing) {
        failing = false;
        logger.info({ tokens: batch.size }, 'token usage reported again');
      }
    } catch (err) {
      for (const [tokenId, use] of batch) {
        merge(tokenId, use.atMs, undefined);
        for (const [address, atMs] of use.addresses) merge(tokenId, atMs, address);
      }
      for (const { tokenId, address, atMs } of refused.values()) mergeRefusal(tokenId, atMs, address);
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
    record(tokenId, atMs, address) {
      merge(tokenId, atMs, address);
    },
    refuse(tokenId, atMs, address) {
      mergeRefusal(tokenId, atMs, address);
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
    pending: () => pending.size + refusals.size,
    dropped: () => dropped,
  };
}
