import { RateLimitError } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Counter, Registry } from 'prom-client';
import { sharedCounter, sharedGauge } from './auth-metrics';
import { findAuthContext } from './auth-context';
import type { AuthContext } from './auth-context';
import { createBlockList, decideRateLimit } from './rate-limit';
import type { RateLimitDecision } from './rate-limit';
import type { RateLimitCounter } from './rate-limit.store';

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  counter: RateLimitCounter;
  /** The per-window limit of an authenticated request's token (its integration's, else the default). */
  limitFor(context: AuthContext): number;
  /** Length of one fixed window. */
  windowSeconds: number;
  /** Failed authentications per window per client address. */
  failureLimit: number;
  /** Prepended to every counter key, so that several deployments (or test stacks) can share one Redis. */
  keyPrefix: string;
  /** Where the limiter's metrics are registered. */
  metrics: Registry;
  logger: Logger;
  /** Epoch milliseconds. */
  clock: () => number;
  /** Told of every request refused for its token's limit (the token's usage counts it). */
  onTokenRefused?: (tokenId: string, atMs: number) => void;
}

/** The rate limiting around token authentication; see {@link createRateLimiter}. */
export interface RateLimiter {
  /** `authenticate` with the address guard in front and the token limit behind. */
  wrap(authenticate: RequestHandler): RequestHandler;
  /** The token limit alone, for a request `authenticate` has let through. */
  limitToken: RequestHandler;
}

const TOKEN_MESSAGE = (limit: number, windowSeconds: number) =>
  `Rate limit exceeded: at most ${limit} requests per ${windowSeconds} seconds per API token. Retry after the time given in Retry-After.`;
const ADDRESS_MESSAGE =
  'Too many failed authentication attempts from this address. Retry after the time given in Retry-After.';

/** The address whose failures are counted: Express's `req.ip` (honours the app's `trust proxy`). */
function clientAddress(req: Request): string {
  const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  // One IPv4 client must not get two budgets for its two spellings.
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

/** A 401, or a token used from outside its allowlist: both count against the client address. */
function isAuthenticationFailure(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { status, code } = err as { status?: unknown; code?: unknown };
  return status === 401 || code === 'IP_NOT_ALLOWED';
}

/** The limiter's metrics, on the service's registry. */
interface LimiterMetrics {
  rejected: Counter;
  unenforced: Counter;
}

function limiterMetrics(options: RateLimiterOptions): LimiterMetrics {
  const rejected = sharedCounter(
    options.metrics,
    'auth_rate_limit_rejected_total',
    'Requests answered 429 RATE_LIMIT_EXCEEDED, by what was over its limit (token or address).',
    ['subject'],
  );
  const unenforced = sharedCounter(
    options.metrics,
    'auth_rate_limit_unenforced_total',
    'Requests served (or authentication failures not counted) without rate limiting because Redis was unreachable.',
  );
  sharedGauge(
    options.metrics,
    'auth_rate_limit_redis_up',
    '1 while the rate limiter reaches Redis, 0 while it serves without limiting.',
    () => (options.counter.isAvailable() ? 1 : 0),
  );
  return { rejected, unenforced };
}

/** The per-token limit: counts a request `authenticate` let through, refuses it past its token's limit. */
function tokenLimit(options: RateLimiterOptions, metrics: LimiterMetrics): RequestHandler {
  const { counter: store, limitFor, keyPrefix, clock } = options;
  const windowMs = options.windowSeconds * 1000;
  const blocks = createBlockList();

  function refusal(decision: RateLimitDecision, limit: number, tokenId: string): RateLimitError {
    metrics.rejected.inc({ subject: 'token' });
    options.onTokenRefused?.(tokenId, clock());
    return new RateLimitError(decision.retryAfterSeconds, TOKEN_MESSAGE(limit, options.windowSeconds), {
      headers: decision.headers,
    });
  }

  return (req: Request, res: Response, next: NextFunction) => {
    const context = findAuthContext(req);
    if (context === undefined) {
      next();
      return;
    }
    const limit = limitFor(context);
    const blocked = blocks.blocked(context.tokenId, limit, clock());
    if (blocked !== undefined) {
      next(refusal(decideRateLimit(blocked, limit, clock()), limit, context.tokenId));
      return;
    }
    store.hit(`${keyPrefix}t:${context.tokenId}`, windowMs).then(
      (window) => {
        if (window === undefined) {
          metrics.unenforced.inc();
          next();
          return;
        }
        const now = clock();
        const decision = decideRateLimit(window, limit, now);
        if (!decision.allowed) {
          blocks.block(context.tokenId, window, now);
          next(refusal(decision, limit, context.tokenId));
          return;
        }
        for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
        next();
      },
      (err: unknown) => next(err),
    );
  };
}

/** The per-address guard against repeated failed authentications. */
interface AddressGuard {
  /** The 429 for an address refused from memory until its window ends; undefined when it may try. */
  refused(address: string): RateLimitError | undefined;
  /** Counts one failure against the address, then passes on the failure, or the 429 past the limit. */
  countFailure(address: string, failure: unknown, next: NextFunction): void;
}

function addressGuard(options: RateLimiterOptions, metrics: LimiterMetrics): AddressGuard {
  const { counter: store, failureLimit, keyPrefix, clock } = options;
  const windowMs = options.windowSeconds * 1000;
  const blocks = createBlockList();

  function refusal(decision: RateLimitDecision): RateLimitError {
    metrics.rejected.inc({ subject: 'address' });
    return new RateLimitError(decision.retryAfterSeconds, ADDRESS_MESSAGE);
  }

  return {
    refused(address) {
      const blocked = blocks.blocked(address, failureLimit, clock());
      return blocked === undefined ? undefined : refusal(decideRateLimit(blocked, failureLimit, clock()));
    },
    countFailure(address, failure, next) {
      store.hit(`${keyPrefix}a:${address}`, windowMs).then(
        (window) => {
          if (window === undefined) {
            metrics.unenforced.inc();
            next(failure);
            return;
          }
          const now = clock();
          const decision = decideRateLimit(window, failureLimit, now);
          if (decision.allowed) {
            next(failure);
            return;
          }
          blocks.block(address, window, now);
          options.logger.warn(
            { address, failures: window.count, failureLimit, windowSeconds: options.windowSeconds },
            'too many failed authentications from one address: refusing it until its window ends',
          );
          next(refusal(decision));
        },
        (err: unknown) => next(err),
      );
    },
  };
}

/**
 * Builds the rate limiting of authenticated requests over a shared counter (Redis in production):
 *
 * - **per token**: every request `authenticate` lets through counts one against its token's window; past
 *   the limit (`limitFor`, read from the projection on every request, so a changed per-integration
 *   limit applies at once) it gets 429 RATE_LIMIT_EXCEEDED with `Retry-After` and never reaches the
 *   route. Every counted response carries `X-RateLimit-Limit`, `-Remaining` and `-Reset`.
 * - **per client address**: every 401 counts one against the address's window; past `failureLimit` the
 *   address gets 429, and this replica then refuses it from memory, before any token check, until the
 *   window ends.
 * - A token or address already refused is refused from memory for the rest of its window (no round
 *   trip), unless its limit has since been raised above its count.
 * - When the counter cannot count (Redis unreachable or slow), the request is served without limiting
 *   and without the headers, and `auth_rate_limit_unenforced_total` counts it: fail open (see README).
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const metrics = limiterMetrics(options);
  const limitToken = tokenLimit(options, metrics);
  const addresses = addressGuard(options, metrics);

  function wrap(authenticate: RequestHandler): RequestHandler {
    return (req, res, next) => {
      const address = clientAddress(req);
      const refused = addresses.refused(address);
      if (refused !== undefined) {
        next(refused);
        return;
      }
      const afterAuthentication = (err?: unknown): void => {
        if (err === undefined || err === null) {
          void limitToken(req, res, next);
          return;
        }
        if (isAuthenticationFailure(err)) addresses.countFailure(address, err, next);
        else next(err);
      };
      void authenticate(req, res, afterAuthentication as NextFunction);
    };
  }

  return { wrap, limitToken };
}
