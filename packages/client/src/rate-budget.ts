/*
 * What the client knows of its token's rate-limit window, from the `X-RateLimit-*` headers of every
 * answer: requests wait for the next window instead of running into 429. Windows are fixed and
 * counted per token across every service, so one budget per client covers every call it makes.
 */

/** A snapshot of the budget: what the last answers said, minus what was sent since. */
export interface RateLimitState {
  limit: number | undefined;
  remaining: number | undefined;
  /** Epoch milliseconds when the current window ends, when known. */
  resetAt: number | undefined;
}

/** The budget of one client; see {@link createRateBudget}. */
export interface RateBudget {
  /** Resolves when a request may be sent (at once while the window has requests left), and counts it. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Takes in the rate-limit headers of an answer (a 429 empties the window until `Retry-After`). */
  observe(status: number, headers: Headers): void;
  state(): RateLimitState;
}

/** Options of {@link createRateBudget}. */
export interface RateBudgetOptions {
  /** Epoch milliseconds; default `Date.now`. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Upper bound of the random delay added after a window ends, so that clients sharing a token spread out. Default 250. */
  jitterMs?: number;
  random?: () => number;
}

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function headerInt(headers: Headers, name: string): number | undefined {
  const value = headers.get(name);
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

/**
 * Creates an empty budget (nothing known: requests go out at once). The server's reset is rounded up
 * to whole seconds, so waiting until it never arrives early; answers of concurrent requests arrive in
 * any order, so within one window the lowest `remaining` wins, and one whose reset is more than a
 * second older than the window held is stale and ignored.
 */
export function createRateBudget(options: RateBudgetOptions = {}): RateBudget {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  const jitterMs = options.jitterMs ?? 250;
  const random = options.random ?? Math.random;
  let limit: number | undefined;
  let remaining: number | undefined;
  let resetAt: number | undefined;

  // Past the window's end the limit is available again, counted from the next request.
  const roll = (t: number) => {
    if (resetAt !== undefined && t >= resetAt) {
      remaining = limit;
      resetAt = undefined;
    }
  };

  // Requests waiting for an answer to tell when the new window ends.
  let waiting: (() => void)[] = [];
  const answered = (signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const timer = new AbortController();
      const done = () => {
        timer.abort();
        resolve();
      };
      waiting.push(done);
      // An answer may never come (every request in flight failing on the network): look again soon.
      wait(1_000, signal ? AbortSignal.any([signal, timer.signal]) : timer.signal).then(
        done,
        (error: unknown) => {
          if (signal?.aborted) reject(error);
          else done();
        },
      );
    });

  return {
    async acquire(signal) {
      for (;;) {
        const t = now();
        roll(t);
        if (remaining === undefined || remaining > 0) {
          if (remaining !== undefined) remaining -= 1;
          return;
        }
        // None left: wait for the window's end, or, in a window whose end no answer has told yet
        // (the limit's worth of requests in flight), for the first answer.
        await (resetAt === undefined ? answered(signal) : wait(resetAt - t + random() * jitterMs, signal));
      }
    },

    observe(status, headers) {
      const t = now();
      roll(t);
      const newLimit = headerInt(headers, 'x-ratelimit-limit');
      const newRemaining = headerInt(headers, 'x-ratelimit-remaining');
      const reset = headerInt(headers, 'x-ratelimit-reset');
      if (newLimit !== undefined && newRemaining !== undefined && reset !== undefined && reset * 1000 > t) {
        const newResetAt = reset * 1000;
        limit = newLimit;
        if (resetAt === undefined) {
          resetAt = newResetAt;
          remaining = Math.min(remaining ?? newRemaining, newRemaining);
        } else if (newResetAt > resetAt + 1000) {
          // A later window than the one held: the server's count is the news.
          resetAt = newResetAt;
          remaining = newRemaining;
        } else if (newResetAt >= resetAt - 1000) {
          resetAt = Math.max(resetAt, newResetAt);
          remaining = Math.min(remaining ?? newRemaining, newRemaining);
        }
      }
      if (status === 429) {
        const retryAfter = headerInt(headers, 'retry-after');
        remaining = 0;
        resetAt = Math.max(resetAt ?? t, t + (retryAfter ?? 1) * 1000);
      }
      const woken = waiting;
      waiting = [];
      for (const wake of woken) wake();
    },

    state: () => ({ limit, remaining, resetAt }),
  };
}
