import { withTimeout } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { Redis } from 'ioredis';
import type { WindowCount } from './rate-limit';

/**
 * Counts requests per key in fixed windows, shared by every replica. `hit` never throws: `undefined`
 * means the request could not be counted (the store is unreachable, slow or not connected yet), and the
 * caller serves it without limiting.
 */
export interface RateLimitCounter {
  /** Counts one request against `key`; the window starts with the key's first request and lasts `windowMs`. */
  hit(key: string, windowMs: number): Promise<WindowCount | undefined>;
  /** Whether the last attempt to reach the store succeeded (false before the first connection). */
  isAvailable(): boolean;
  /** Connects; resolves (without throwing) after at most about `connectTimeoutMs` even when the store is down. */
  start(): Promise<void>;
  /** Closes the connection and stops reconnecting. */
  stop(): Promise<void>;
}

/** Options of {@link createRedisCounter}. */
export interface RedisCounterOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  url: string;
  logger: Logger;
  /** A command not answered within this long counts as a failure (ioredis `commandTimeout`). Default 200. */
  commandTimeoutMs?: number;
  /** How long one connection attempt may take. Default 1000. */
  connectTimeoutMs?: number;
  /**
   * After a failed command on a connection that still looks open (a hung or overloaded server), requests
   * skip the store for this long before one tries again, so that they do not each wait
   * `commandTimeoutMs`. Default 1000.
   */
  pauseAfterFailureMs?: number;
  /** Called when the store becomes reachable (true) or unreachable (false). */
  onAvailabilityChange?: (available: boolean) => void;
  /** Epoch milliseconds; default `Date.now`. */
  clock?: () => number;
}

/**
 * The fixed-window counter as one atomic script: INCR, and on the window's first request (or a key
 * that somehow has no expiry) PEXPIRE; returns the count and the key's remaining milliseconds. The
 * window length is measured by Redis's clock alone, so replicas with drifting clocks still share one
 * window per key, and the key is declared in KEYS as Redis Cluster requires.
 */
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

const HIT_COMMAND = 'eudrRateLimitHit';

type WithHitCommand = Redis & {
  [HIT_COMMAND]: (key: string, windowMs: number) => Promise<[number, number]>;
};

/** `host:port` of a Redis URL, for logs (never the password). */
export function redisAddress(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '6379'}`;
  } catch {
    return 'an unparsable REDIS_URL';
  }
}

/**
 * A {@link RateLimitCounter} on Redis through ioredis, built to fail open fast: no offline queue (a
 * command while disconnected fails at once instead of waiting for a reconnection), no retries of a
 * command, a short command timeout, a pause after a failure, and reconnection in the background forever
 * (at most one attempt per second). The script runs as EVALSHA; ioredis reloads it by itself when a
 * restarted Redis answers NOSCRIPT. Outages are logged once each: when it starts and when it ends.
 */
export function createRedisCounter(options: RedisCounterOptions): RateLimitCounter {
  const clock = options.clock ?? Date.now;
  const commandTimeoutMs = options.commandTimeoutMs ?? 200;
  const connectTimeoutMs = options.connectTimeoutMs ?? 1_000;
  const pauseAfterFailureMs = options.pauseAfterFailureMs ?? 1_000;
  const address = redisAddress(options.url);
  const logger = options.logger.child({ component: 'rate-limit', redis: address });
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
    connectionName: 'eudr-rate-limit',
    // Concurrent requests' counter scripts leave in one socket write per event-loop tick instead of
    // one each: fewer syscalls on the request path, same single round trip per request.
    enableAutoPipelining: true,
    // How long disconnect() waits for a socket to close before destroying it; ioredis's 2 s default
    // would hold a stopping process open that long when the connection was already gone.
    disconnectTimeout: 200,
  }) as WithHitCommand;
  redis.defineCommand(HIT_COMMAND, { numberOfKeys: 1, lua: HIT_SCRIPT });

  let available: boolean | undefined;
  let pausedUntil = 0;
  let stopping = false;

  function setAvailable(next: boolean, err?: unknown): void {
    if (stopping || available === next) return;
    const previous = available;
    available = next;
    if (next) {
      if (previous === false) logger.info('Redis answers again: rate limiting resumed');
      else logger.info('rate limiting with Redis');
    } else {
      logger.warn(
        { err: err instanceof Error ? { message: err.message } : err },
        'Redis is unreachable: serving requests without rate limiting until it answers again',
      );
    }
    options.onAvailabilityChange?.(next);
  }

  // Without an 'error' listener ioredis would print every failed reconnection attempt itself.
  redis.on('error', (err: unknown) => setAvailable(false, err));
  redis.on('ready', () => {
    pausedUntil = 0;
    setAvailable(true);
  });
  redis.on('close', () => setAvailable(false, new Error('connection closed')));

  return {
    async hit(key, windowMs) {
      if (redis.status !== 'ready' || clock() < pausedUntil) return undefined;
      try {
        const [count, ttlMs] = await redis[HIT_COMMAND](key, windowMs);
        setAvailable(true);
        return { count: Number(count), ttlMs: Number(ttlMs) };
      } catch (err) {
        pausedUntil = clock() + pauseAfterFailureMs;
        setAvailable(false, err);
        return undefined;
      }
    },

    isAvailable: () => available === true,

    async start() {
      stopping = false;
      // A failed first attempt is not fatal: the service serves without limiting and ioredis keeps
      // reconnecting in the background.
      await redis.connect().catch((err: unknown) => setAvailable(false, err));
    },

    async stop() {
      stopping = true;
      if (redis.status === 'ready') {
        await withTimeout(
          redis.quit().catch(() => undefined),
          commandTimeoutMs * 5,
        );
      }
      redis.disconnect();
    },
  };
}
