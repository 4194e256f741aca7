import { NetworkError } from './errors';
import type { RateBudget } from './rate-budget';
import { sleep } from './rate-budget';

/** How the client retries; see {@link createTransport}. */
export interface RetryOptions {
  /** Retries after the first attempt (429, 503, network errors); default 5. */
  maxRetries?: number;
  /** First backoff step in ms (doubled per retry, fully jittered); default 500. */
  baseDelayMs?: number;
  /** Longest backoff in ms; default 20000. */
  maxDelayMs?: number;
  /** Abort an attempt that has not answered after this many ms (then retried like a network error); default 60000. */
  timeoutMs?: number;
}

/** Options of {@link createTransport}. */
export interface TransportOptions {
  fetch: (request: Request) => Promise<Response>;
  budget: RateBudget;
  retry?: RetryOptions;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

// Bulk upserts are keyed by externalId, so sending one twice changes nothing (the second answer says
// UPDATED instead of CREATED). Every other POST (a webhook subscription, a test delivery) is not.
const IDEMPOTENT_POSTS = /\/api\/v1\/integration\/(suppliers|products|batches)$/;

function isIdempotent(request: Request): boolean {
  if (request.method !== 'POST') return true;
  return IDEMPOTENT_POSTS.test(new URL(request.url).pathname);
}

/**
 * The fetch the client's requests go through: waits for the rate-limit budget before each attempt and
 * retries, up to `maxRetries` times,
 * - 429 after `Retry-After` (and whatever the `X-RateLimit-*` headers say) plus jitter: a refused
 *   request was never processed, so this is safe for every request;
 * - 503 and network errors (connection refused or reset, timeout) with fully jittered exponential
 *   backoff (at least `Retry-After` when a 503 gives one), for requests that may safely be sent twice.
 * Any other answer, including every other 4xx, is returned as it is. After the last retry the last
 * answer is returned, or a {@link NetworkError} thrown. A caller's abort stops at once.
 */
export function createTransport(options: TransportOptions): (request: Request) => Promise<Response> {
  const maxRetries = options.retry?.maxRetries ?? 5;
  const baseDelayMs = options.retry?.baseDelayMs ?? 500;
  const maxDelayMs = options.retry?.maxDelayMs ?? 20_000;
  const timeoutMs = options.retry?.timeoutMs ?? 60_000;
  const random = options.random ?? Math.random;
  const wait = options.sleep ?? sleep;
  const backoff = (attempt: number) => random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);

  return async (request) => {
    const retrySafe = isIdempotent(request);
    for (let attempt = 0; ; attempt += 1) {
      await options.budget.acquire(request.signal);
      let response: Response;
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        response = await options.fetch(
          new Request(request.clone(), { signal: AbortSignal.any([request.signal, timeout]) }),
        );
      } catch (error) {
        if (request.signal.aborted) throw error;
        const timedOut = timeout.aborted;
        if (!retrySafe || attempt >= maxRetries) {
          throw new NetworkError(
            timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
            timedOut
              ? `No answer from ${new URL(request.url).origin} within ${timeoutMs} ms (${attempt + 1} attempts).`
              : `Could not reach ${new URL(request.url).origin} (${attempt + 1} attempts).`,
            attempt + 1,
            error,
          );
        }
        await wait(backoff(attempt), request.signal);
        continue;
      }
      options.budget.observe(response.status, response.headers);
      const retriable = response.status === 429 || (response.status === 503 && retrySafe);
      if (!retriable || attempt >= maxRetries) return response;
      await response.body?.cancel();
      if (response.status === 503) {
        const retryAfter = Number(response.headers.get('retry-after'));
        const floor = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 0;
        await wait(Math.max(floor, backoff(attempt)), request.signal);
      }
      // A 429 waits in acquire(): the budget now holds the window's end.
    }
  };
}
