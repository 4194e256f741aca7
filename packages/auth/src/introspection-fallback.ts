import type { Logger } from '@eudr/service-kit';
import type { IntrospectFn } from './introspection.client';
import type { TokenProjection } from './token-projection';

/**
 * What introspection said about a hash:
 * - `found`: auth-service knows it; its states were applied to the projection (read them from there);
 * - `unknown`: auth-service does not know it;
 * - `busy`: not asked, because too many calls are in flight;
 * - `failed`: the call failed (network, timeout, bad answer).
 */
export type FallbackOutcome = 'found' | 'unknown' | 'busy' | 'failed';

/** Settings of the introspection fallback; every one has a default. */
export interface IntrospectionFallbackSettings {
  /** Most introspection calls in flight at once, over all hashes. Default 8. */
  maxConcurrent?: number;
  /** How long an "unknown" answer is remembered. Default 30000. */
  negativeCacheTtlMs?: number;
  /** Most remembered "unknown" answers; the oldest is forgotten first. Default 10000. */
  negativeCacheMaxEntries?: number;
  /**
   * How long a positive answer counts as fresh while the projection is not trusted (stale or not caught
   * up), i.e. how late this replica may notice a revocation then. At most 1000. Default 1000.
   */
  verifiedTtlMs?: number;
  /** Most remembered positive answers. Default 10000. */
  verifiedMaxEntries?: number;
}

/** Counters, for logs and tests. */
export interface FallbackStats {
  calls: number;
  failures: number;
  busyRejections: number;
  negativeCacheHits: number;
  verifiedCacheHits: number;
}

/** The introspection fallback; see {@link createIntrospectionFallback}. */
export interface IntrospectionFallback {
  /**
   * The outcome known without a call, or undefined: `unknown` when auth-service said so within
   * `negativeCacheTtlMs`; with `requireVerified`, `found` when it confirmed the hash within
   * `verifiedTtlMs` (its states are in the projection).
   */
  cached(tokenHash: string, requireVerified: boolean): FallbackOutcome | undefined;
  /** Asks auth-service (single-flight per hash, bounded overall) and applies a positive answer. */
  ask(tokenHash: string): Promise<FallbackOutcome>;
  stats(): FallbackStats;
}

/** Options of {@link createIntrospectionFallback}. */
export interface IntrospectionFallbackOptions extends IntrospectionFallbackSettings {
  introspect: IntrospectFn;
  projection: Pick<TokenProjection, 'applyToken' | 'applyIntegration' | 'applyPolicy'>;
  clock: () => number;
  logger: Logger;
}

/** A map of hash → expiry that forgets its oldest entry when full (insertion order, refreshed on write). */
function createExpiringSet(ttlMs: number, maxEntries: number, clock: () => number) {
  const entries = new Map<string, number>();
  return {
    has(key: string): boolean {
      const expiresAt = entries.get(key);
      if (expiresAt === undefined) return false;
      if (expiresAt > clock()) return true;
      entries.delete(key);
      return false;
    },
    add(key: string): void {
      entries.delete(key);
      if (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(key, clock() + ttlMs);
    },
    delete(key: string): void {
      entries.delete(key);
    },
    size: () => entries.size,
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer`);
  return value;
}

/**
 * Creates the fallback used when the projection cannot answer alone: a hash it does not hold (a token
 * created milliseconds ago), or every request while the projection is not trusted.
 *
 * - **One call per hash at a time** (single-flight): concurrent requests with the same token share the
 *   in-flight call and its outcome.
 * - **Bounded concurrency**: at most `maxConcurrent` calls in flight over all hashes; a request for
 *   another hash then gets `busy` without a call, so a flood of random (checksum-valid) tokens costs
 *   auth-service at most `maxConcurrent` concurrent requests from each replica.
 * - **Negative cache**: "unknown" is remembered for `negativeCacheTtlMs` (bounded, oldest first out).
 *   A raw token is only handed out after auth-service stored it, so an unknown hash stays unknown.
 * - **Positive answers** are applied to the projection (version-checked), which serves later requests
 *   from memory, and remembered for `verifiedTtlMs` for the untrusted mode.
 * - Failures are never cached: the next request asks again.
 */
export function createIntrospectionFallback(options: IntrospectionFallbackOptions): IntrospectionFallback {
  const maxConcurrent = positiveInteger('maxConcurrent', options.maxConcurrent ?? 8);
  const verifiedTtlMs = positiveInteger('verifiedTtlMs', options.verifiedTtlMs ?? 1_000);
  if (verifiedTtlMs > 1_000) throw new RangeError('verifiedTtlMs must be at most 1000');
  const negative = createExpiringSet(
    positiveInteger('negativeCacheTtlMs', options.negativeCacheTtlMs ?? 30_000),
    positiveInteger('negativeCacheMaxEntries', options.negativeCacheMaxEntries ?? 10_000),
    options.clock,
  );
  const verified = createExpiringSet(
    verifiedTtlMs,
    positiveInteger('verifiedMaxEntries', options.verifiedMaxEntries ?? 10_000),
    options.clock,
  );
  const inFlight = new Map<string, Promise<FallbackOutcome>>();
  const stats: FallbackStats = {
    calls: 0,
    failures: 0,
    busyRejections: 0,
    negativeCacheHits: 0,
    verifiedCacheHits: 0,
  };
  const logger = options.logger.child({ component: 'auth-introspection' });
  // Logged on change only: during an outage every request fails, and one line per request would flood.
  let failing = false;

  async function call(tokenHash: string): Promise<FallbackOutcome> {
    stats.calls += 1;
    try {
      const answer = await options.introspect(tokenHash);
      if (failing) {
        failing = false;
        logger.info('introspection answers again');
      }
      if (!answer.known) {
        verified.delete(tokenHash);
        negative.add(tokenHash);
        return 'unknown';
      }
      if (answer.integration !== null) options.projection.applyIntegration(answer.integration);
      if (answer.policy !== undefined && answer.policy !== null)
        options.projection.applyPolicy(answer.policy);
      options.projection.applyToken(answer.token);
      negative.delete(tokenHash);
      verified.add(tokenHash);
      return 'found';
    } catch (err) {
      stats.failures += 1;
      if (!failing) {
        failing = true;
        logger.warn({ err }, 'introspection failed');
      }
      return 'failed';
    }
  }

  return {
    cached(tokenHash, requireVerified) {
      if (negative.has(tokenHash)) {
        stats.negativeCacheHits += 1;
        return 'unknown';
      }
      if (requireVerified && verified.has(tokenHash)) {
        stats.verifiedCacheHits += 1;
        return 'found';
      }
      return undefined;
    },
    ask(tokenHash) {
      const shared = inFlight.get(tokenHash);
      if (shared !== undefined) return shared;
      if (inFlight.size >= maxConcurrent) {
        stats.busyRejections += 1;
        return Promise.resolve('busy');
      }
      const pending = call(tokenHash).finally(() => inFlight.delete(tokenHash));
      inFlight.set(tokenHash, pending);
      return pending;
    },
    stats: () => ({ ...stats }),
  };
}
