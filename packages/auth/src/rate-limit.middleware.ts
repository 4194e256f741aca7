import { RateLimitError } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
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

/** A 401 from authentication: the failures that are counted per address. */
/** A 401, or a token used from outside its allowlist: both count against the client address. */
function isAuthenticationFailure(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { status, code } = err as { status?: unknown; code?: unknown };
  return status === 401 || code === 'IP_NOT_ALLOWED';
}

function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter {
  return (
    (registry.getSingleMetric(name) as Counter | undefined) ??
    new Counter({ name, help, labelNames, registers: [registry] })
  );
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
  const { counter: store, limitFor, failureLimit, keyPrefix, clock } = options;
  const windowMs = options.windowSeconds * 1000;
  const tokenBlocks = createBlockList();
  const addressBlocks = createBlockList();
  const rejected = counter(
    options.metrics,
    'auth_rate_limit_rejected_total',
    'Requests answered 429 RATE_LIMIT_EXCEEDED, by what was over its limit (token or address).',
    ['subject'],
  );
  const unenforced = counter(
    options.metrics,
    'auth_rate_limit_unenforced_total',
    'Requests served (or authentication failures not counted) without rate limiting because Redis was unreachable.',
  );
  if (options.metrics.getSingleMetric('auth_rate_limit_redis_up') === undefined) {
    new Gauge({
      name: 'auth_rate_limit_redis_up',
      help: '1 while the rate limiter reaches Redis, 0 while it serves without limiting.',
      registers: [options.metrics],
      collect() {
        this.set(store.isAvailable() ? 1 : 0);
      },
    });
  }

  function tokenRefusal(decision: RateLimitDecision, limit: number, tokenId: string): RateLimitError {
    rejected.inc({ subject: 'token' });
    options.onTokenRefused?.(tokenId, clock());
    return new RateLimitError(decision.retryAfterSeconds, TOKEN_MESSAGE(limit, options.windowSeconds), {
      headers: decision.headers,
    });
  }

  function addressRefusal(decision: RateLimitDecision): RateLimitError {
    rejected.inc({ subject: 'address' });
    return new RateLimitError(decision.retryAfterSeconds, ADDRESS_MESSAGE);
  }

  const limitToken: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const context = findAuthContext(req);
    if (context === undefined) {
      next();
      return;
    }
    const limit = limitFor(context);
    const blocked = tokenBlocks.blocked(context.tokenId, limit, clock());
    if (blocked !== undefined) {
      next(tokenRefusal(decideRateLimit(blocked, limit, clock()), limit, context.tokenId));
      return;
    }
    store.hit(`${keyPrefix}t:${context.tokenId}`, windowMs).then(
      (window) => {
        if (window === undefined) {
          unenforced.inc();
          next();
          return;
        }
        const now = clock();
        const decision = decideRateLimit(window, limit, now);
        if (!decision.allowed) {
          tokenBlocks.block(context.tokenId, window, now);
          next(tokenRefusal(decision, limit, context.tokenId));
          return;
        }
        for (const [name, value] of Object.entries(decision.headers)) res.setHeader(name, value);
        next();
      },
      (err: unknown) => next(err),
    );
  };

  function countFailure(address: string, failure: unknown, next: NextFunction): void {
    store.hit(`${keyPrefix}a:${address}`, windowMs).then(
      (window) => {
        if (window === undefined) {
          unenforced.inc();
          next(failure);
          return;
        }
        const now = clock();
        const decision = decideRateLimit(window, failureLimit, now);
        if (decision.allowed) {
          next(failure);
          return;
        }
        addressBlocks.block(address, window, now);
        options.logger.warn(
          { address, failures: window.count, failureLimit, windowSeconds: options.windowSeconds },
          'too many failed authentications from one address: refusing it until its window ends',
        );
        next(addressRefusal(decision));
      },
      (err: unknown) => next(err),
    );
  }

  function wrap(authenticate: RequestHandler): RequestHandler {
    return (req, res, next) => {
      const address = clientAddress(req);
      const blocked = addressBlocks.blocked(address, failureLimit, clock());
      if (blocked !== undefined) {
        next(addressRefusal(decideRateLimit(blocked, failureLimit, clock())));
        return;
      }
      const afterAuthentication = (err?: unknown): void => {
        if (err === undefined || err === null) {
          void limitToken(req, res, next);
          return;
        }
        if (isAuthenticationFailure(err)) countFailure(address, err, next);
        else next(err);
      };
      void authenticate(req, res, afterAuthentication as NextFunction);
    };
  }

  return { wrap, limitToken };
}
