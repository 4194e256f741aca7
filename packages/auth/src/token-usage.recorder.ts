import { randomBytes } from 'node:crypto';
import { MAX_ADDRESSES_PER_USAGE_REPORT, RAW_TOKEN_MARKER } from '@eudr/events';
import type { TokenUsageReport, UsageOutcome } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import { normalizeClientAddress } from './address-allowlist';
import { usageHour } from './token-lifecycle';

/**
 * Most entries (and refusals, and counts) in one report. The schema allows 1000, but an entry may carry
 * 10 addresses and a 200-character User-Agent (about 1 KB): 250 keep a report near 250 KB, well below
 * Kafka's default 1 MB message limit, which a failed flush would otherwise hit again and again.
 */
const MAX_PER_REPORT = 250;

/** Most (token, address) refusals held between flushes. */
const MAX_PENDING_REFUSALS = 10_000;

/** Most (token, hour) buckets of counters held; older hours are let go once reported. */
const MAX_BUCKETS = 100_000;

/** Longest User-Agent kept. */
const MAX_USER_AGENT_LENGTH = 200;

const HOUR_MS = 3_600_000;

/** One token's uses since the last flush: the latest (with its User-Agent), and the latest per client address. */
interface PendingUse {
  atMs: number;
  userAgent: string | undefined;
  addresses: Map<string, number>;
}

/**
 * Running totals of one token's requests in one UTC hour, by outcome. `changed` says it is in the
 * list of buckets to report, so counting a request allocates nothing once its bucket exists.
 */
interface HourBucket {
  tokenId: string;
  hourMs: number;
  counts: Partial<Record<UsageOutcome, number>>;
  changed: boolean;
}

/** A User-Agent as reported: at most 200 characters, printable, and never holding a token. */
function cleanUserAgent(userAgent: string): string {
  const printable = userAgent.slice(0, MAX_USER_AGENT_LENGTH).replace(/[^\x20-\x7e]/g, '?');
  return printable.includes(RAW_TOKEN_MARKER) ? '(withheld: it held an API token)' : printable;
}

/** Collects last-used times in memory and reports them in batches; see {@link createUsageRecorder}. */
export interface UsageRecorder {
  /**
   * Notes that a token was used at `atMs` (epoch ms) from `address` (`req.ip`). Memory only, no I/O;
   * the address is normalised at flush time, and at most 10 addresses per token are kept per flush.
   */
  record(tokenId: string, atMs: number, address?: string, userAgent?: string): void;
  /**
   * Counts one request of a token with its outcome in the UTC hour of `atMs`. Memory only; reported as
   * running totals of this process (see `auth.token-usage`'s `counts`).
   */
  count(tokenId: string, atMs: number, outcome: UsageOutcome): void;
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
  /** Sends the reports of one flush (one message each, at most 250 tokens per report). */
  publish: (reports: TokenUsageReport[]) => Promise<void>;
  /** Names the reporting service and replica in every report. */
  source: string;
  /** Default 5000. */
  flushIntervalMs?: number;
  /** Most distinct tokens held between flushes. Default 100000. */
  maxPending?: number;
  logger: Logger;
  /** Epoch milliseconds; decides which hours' counters may be let go. Default `Date.now`. */
  clock?: () => number;
}

interface Refusal {
  tokenId: string;
  address: string;
  atMs: number;
}

/** What one flush takes from the use log. */
interface TakenUses {
  uses: Map<string, PendingUse>;
  refusals: Map<string, Refusal>;
}

/**
 * Each token's latest use (and latest use per client address, at most 10), and each (token, address)
 * refused for its address with its latest refusal, held until a flush takes them. `use` and `refuse`
 * return false when the log is full and the use is dropped.
 */
function createUseLog(maxPending: number) {
  let uses = new Map<string, PendingUse>();
  let refusals = new Map<string, Refusal>();

  function use(tokenId: string, atMs: number, address: string | undefined, userAgent?: string): boolean {
    let held = uses.get(tokenId);
    if (held === undefined) {
      if (uses.size >= maxPending) return false;
      held = { atMs, userAgent, addresses: new Map() };
      uses.set(tokenId, held);
    } else if (atMs > held.atMs) {
      held.atMs = atMs;
      held.userAgent = userAgent;
    }
    if (address === undefined) return true;
    const last = held.addresses.get(address);
    if (last === undefined) {
      if (held.addresses.size < MAX_ADDRESSES_PER_USAGE_REPORT) held.addresses.set(address, atMs);
    } else if (atMs > last) {
      held.addresses.set(address, atMs);
    }
    return true;
  }

  function refuse(tokenId: string, atMs: number, address: string | undefined): boolean {
    if (address === undefined) return true;
    const key = `${tokenId} ${address}`;
    const held = refusals.get(key);
    if (held !== undefined) held.atMs = Math.max(held.atMs, atMs);
    else if (refusals.size < MAX_PENDING_REFUSALS) refusals.set(key, { tokenId, address, atMs });
    else return false;
    return true;
  }

  return {
    use,
    refuse,
    size: () => uses.size + refusals.size,
    take(): TakenUses {
      const taken = { uses, refusals };
      uses = new Map();
      refusals = new Map();
      return taken;
    },
    /** Puts back what a failed flush took, merged with what was recorded since; returns how many were dropped. */
    putBack(taken: TakenUses): number {
      let dropped = 0;
      for (const [tokenId, held] of taken.uses) {
        if (!use(tokenId, held.atMs, undefined, held.userAgent)) dropped += 1;
        for (const [address, atMs] of held.addresses) if (!use(tokenId, atMs, address)) dropped += 1;
      }
      for (const { tokenId, address, atMs } of taken.refusals.values()) {
        if (!refuse(tokenId, atMs, address)) dropped += 1;
      }
      return dropped;
    },
  };
}

/**
 * Running totals of each token's requests per UTC hour and outcome since this process started, and
 * the buckets changed since a flush last took them. Hours before the previous one are let go once
 * reported: they will not grow again.
 */
function createHourlyCounters(clock: () => number) {
  const buckets = new Map<string, HourBucket[]>();
  let bucketCount = 0;
  let changed: HourBucket[] = [];

  function markChanged(bucket: HourBucket): void {
    if (!bucket.changed) {
      bucket.changed = true;
      changed.push(bucket);
    }
  }

  return {
    /** Counts one request; false when the counters are full and it is dropped. */
    count(tokenId: string, atMs: number, outcome: UsageOutcome): boolean {
      const hourMs = usageHour(atMs);
      let list = buckets.get(tokenId);
      let bucket: HourBucket | undefined;
      // The current hour is the last one: found at once.
      for (let i = (list?.length ?? 0) - 1; i >= 0 && bucket === undefined; i -= 1) {
        if (list?.[i]?.hourMs === hourMs) bucket = list[i];
      }
      if (bucket === undefined) {
        if (bucketCount >= MAX_BUCKETS) return false;
        bucket = { tokenId, hourMs, counts: {}, changed: false };
        if (list === undefined) buckets.set(tokenId, (list = []));
        list.push(bucket);
        bucketCount += 1;
      }
      bucket.counts[outcome] = (bucket.counts[outcome] ?? 0) + 1;
      if (!bucket.changed) {
        bucket.changed = true;
        changed.push(bucket);
      }
      return true;
    },
    changedCount: () => changed.length,
    take(): HourBucket[] {
      const taken = changed;
      changed = [];
      for (const bucket of taken) bucket.changed = false;
      return taken;
    },
    /** Counters are running totals: marking them changed again reports their newest values. */
    putBack(taken: readonly HourBucket[]): void {
      for (const bucket of taken) markChanged(bucket);
    },
    prune(): void {
      const oldest = usageHour(clock()) - HOUR_MS;
      for (const [tokenId, list] of buckets) {
        const kept = list.filter((bucket) => bucket.hourMs >= oldest || bucket.changed);
        bucketCount -= list.length - kept.length;
        if (kept.length === 0) buckets.delete(tokenId);
        else if (kept.length < list.length) buckets.set(tokenId, kept);
      }
    },
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A token's use as reported: addresses normalised here, once per address and flush, not per request. */
function useEntry(tokenId: string, use: PendingUse): TokenUsageReport['reports'][number] {
  // Two spellings of one address (IPv4 and IPv4-mapped) become one entry.
  const byAddress = new Map<string, number>();
  for (const [raw, atMs] of use.addresses) {
    const normalized = normalizeClientAddress(raw);
    if (normalized !== undefined) byAddress.set(normalized, Math.max(atMs, byAddress.get(normalized) ?? 0));
  }
  const addresses = [...byAddress].map(([address, atMs]) => ({ address, lastUsedAt: iso(atMs) }));
  return {
    tokenId,
    lastUsedAt: iso(use.atMs),
    ...(addresses.length > 0 ? { addresses } : {}),
    ...(use.userAgent === undefined ? {} : { userAgent: cleanUserAgent(use.userAgent) }),
  };
}

/** One flush's reports: uses, refusals and counts, at most 250 of each per report. */
function toReports(
  source: string,
  instance: string,
  { uses, refusals }: TakenUses,
  counted: readonly HourBucket[],
): TokenUsageReport[] {
  const entries = [...uses].map(([tokenId, use]) => useEntry(tokenId, use));
  const refusalEntries = [...refusals.values()].flatMap(({ tokenId, address, atMs }) => {
    const normalized = normalizeClientAddress(address);
    return normalized === undefined ? [] : [{ tokenId, address: normalized, at: iso(atMs) }];
  });
  const countEntries = counted.flatMap((bucket) =>
    (Object.entries(bucket.counts) as [UsageOutcome, number][]).map(([outcome, count]) => ({
      tokenId: bucket.tokenId,
      hour: iso(bucket.hourMs),
      outcome,
      count,
    })),
  );
  const reports: TokenUsageReport[] = [];
  const longest = Math.max(entries.length, refusalEntries.length, countEntries.length);
  for (let i = 0; i < longest; i += MAX_PER_REPORT) {
    const refusalsPart = refusalEntries.slice(i, i + MAX_PER_REPORT);
    const countsPart = countEntries.slice(i, i + MAX_PER_REPORT);
    reports.push({
      source,
      reports: entries.slice(i, i + MAX_PER_REPORT),
      ...(refusalsPart.length > 0 ? { refusals: refusalsPart } : {}),
      ...(countsPart.length > 0 ? { instance, counts: countsPart } : {}),
    });
  }
  return reports;
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
  const logger = options.logger.child({ component: 'token-usage' });
  const log = createUseLog(options.maxPending ?? 100_000);
  const counters = createHourlyCounters(options.clock ?? Date.now);
  const instance = randomBytes(8).toString('hex');
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;
  let failing = false;

  async function flushOnce(): Promise<void> {
    if (log.size() === 0 && counters.changedCount() === 0) return;
    const taken = log.take();
    const counted = counters.take();
    try {
      const reports = toReports(options.source, instance, taken, counted);
      if (reports.length > 0) await options.publish(reports);
      counters.prune();
      if (failing) {
        failing = false;
        logger.info({ tokens: taken.uses.size }, 'token usage reported again');
      }
    } catch (err) {
      counters.putBack(counted);
      dropped += log.putBack(taken);
      if (!failing) {
        failing = true;
        logger.warn(
          { err, tokens: taken.uses.size },
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
    record(tokenId, atMs, address, userAgent) {
      if (!log.use(tokenId, atMs, address, userAgent)) dropped += 1;
    },
    count(tokenId, atMs, outcome) {
      if (!counters.count(tokenId, atMs, outcome)) dropped += 1;
    },
    refuse(tokenId, atMs, address) {
      if (!log.refuse(tokenId, atMs, address)) dropped += 1;
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
    pending: () => log.size() + counters.changedCount(),
    dropped: () => dropped,
  };
}
