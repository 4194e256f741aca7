/** Requests per window per token when the integration's state names no limit of its own. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 100;
/** The smallest and largest per-integration limit the admin API accepts. */
export const RATE_LIMIT_PER_MINUTE_RANGE = Object.freeze({ min: 1, max: 100_000 });
/** Failed authentications per window per client address before it gets 429 without a token check. */
export const DEFAULT_AUTH_FAILURE_LIMIT_PER_MINUTE = 300;
/** The length of one fixed window in production. */
export const DEFAULT_RATE_LIMIT_WINDOW_SECONDS = 60;

/** The response headers of the rate limit (names as sent). */
export const RATE_LIMIT_HEADERS = Object.freeze({
  limit: 'X-RateLimit-Limit',
  remaining: 'X-RateLimit-Remaining',
  reset: 'X-RateLimit-Reset',
});

/** One counted request: the count of its window so far (this one included) and when the window ends. */
export interface WindowCount {
  count: number;
  /** Milliseconds until the window ends, as the counter store reports it (its key's time to live). */
  ttlMs: number;
}

/** What to answer for a counted request. */
export interface RateLimitDecision {
  allowed: boolean;
  /** `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`. */
  headers: Record<string, string>;
  /** Epoch milliseconds at which the window ends. */
  resetAtMs: number;
  /** Whole seconds until the window ends, at least 1: the `Retry-After` of a refusal. */
  retryAfterSeconds: number;
}

/**
 * Decides a request from its window's count: allowed while `count <= limit`. `X-RateLimit-Reset` is the
 * window's end in Unix epoch seconds, rounded up so that a client waiting until then never arrives
 * early; `Retry-After` is the same instant as a delay (at least 1 s). A window whose time to live is
 * unknown or negative is taken to end now.
 *
 * @param now epoch milliseconds of this replica's clock
 */
export function decideRateLimit(window: WindowCount, limit: number, now: number): RateLimitDecision {
  const ttlMs = Number.isFinite(window.ttlMs) && window.ttlMs > 0 ? window.ttlMs : 0;
  const resetAtMs = now + ttlMs;
  return {
    allowed: window.count <= limit,
    headers: {
      [RATE_LIMIT_HEADERS.limit]: String(limit),
      [RATE_LIMIT_HEADERS.remaining]: String(Math.max(0, limit - window.count)),
      [RATE_LIMIT_HEADERS.reset]: String(Math.ceil(resetAtMs / 1000)),
    },
    resetAtMs,
    retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)),
  };
}

/** The limit that applies to a token: its integration's own, else the default. */
export function effectiveLimit(integrationLimit: number | undefined, fallback: number): number {
  return integrationLimit !== undefined && Number.isInteger(integrationLimit) && integrationLimit > 0
    ? integrationLimit
    : fallback;
}

/** A remembered refusal: until `untilMs` the subject had used `count` requests. */
interface Block {
  untilMs: number;
  count: number;
}

/**
 * Remembers, per subject (a token id, a client address), that its window's count went past a limit, so
 * that the rest of the window is refused from memory: a client hammering past its limit costs no
 * round trip to the counter store. A block only holds while the count still exceeds the limit asked
 * with, so a raised per-integration limit is honoured at once. Bounded: at `maxEntries`, expired
 * entries are dropped, then the oldest.
 */
export interface BlockList {
  /** Records that `subject`'s window had this count (call it only for refused requests). */
  block(subject: string, window: WindowCount, now: number): void;
  /**
   * The window of a subject that is still over `limit` at `now`, with its time to live brought
   * forward to `now`; `undefined` when not blocked (then the counter store decides).
   */
  blocked(subject: string, limit: number, now: number): WindowCount | undefined;
  size(): number;
}

/** Creates an empty {@link BlockList}. */
export function createBlockList(maxEntries = 10_000): BlockList {
  const entries = new Map<string, Block>();
  return {
    block(subject, window, now) {
      if (!entries.has(subject) && entries.size >= maxEntries) {
        for (const [key, entry] of entries) if (entry.untilMs <= now) entries.delete(key);
        const oldest = entries.keys().next();
        if (entries.size >= maxEntries && oldest.done !== true) entries.delete(oldest.value);
      }
      entries.delete(subject);
      entries.set(subject, { untilMs: now + Math.max(0, window.ttlMs), count: window.count });
    },
    blocked(subject, limit, now) {
      const entry = entries.get(subject);
      if (entry === undefined) return undefined;
      if (entry.untilMs <= now) {
        entries.delete(subject);
        return undefined;
      }
      if (entry.count <= limit) return undefined;
      return { count: entry.count, ttlMs: entry.untilMs - now };
    },
    size: () => entries.size,
  };
}
