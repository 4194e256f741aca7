import { hostname } from 'node:os';
import { TOPICS } from '@eudr/events';
import type { EventProducer, EventsKafka, StateVerifier } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import type { RequestHandler } from 'express';
import { Registry } from 'prom-client';
import { sharedCounter, sharedGauge } from './auth-metrics';
import { createAuthenticator } from './auth.middleware';
import { createIntrospectionClient } from './introspection.client';
import { createIntrospectionFallback } from './introspection-fallback';
import type { IntrospectionFallback, IntrospectionFallbackSettings } from './introspection-fallback';
import {
  DEFAULT_AUTH_FAILURE_LIMIT_PER_MINUTE,
  DEFAULT_RATE_LIMIT_PER_MINUTE,
  DEFAULT_RATE_LIMIT_WINDOW_SECONDS,
  effectiveLimit,
} from './rate-limit';
import { createRateLimiter } from './rate-limit.middleware';
import { createRedisCounter, redisAddress } from './rate-limit.store';
import type { RateLimitCounter } from './rate-limit.store';
import type { Scope } from './scopes';
import { createTokenProjection } from './token-projection';
import type { TokenProjection } from './token-projection';
import { createUsageRecorder } from './token-usage.recorder';
import type { UsageRecorder } from './token-usage.recorder';

/** Options of {@link createAuth}. */
export interface CreateAuthOptions {
  /** Kafka client the projection reads `auth.tokens` and `auth.integrations` with. */
  kafka: EventsKafka;
  /**
   * Connected producer for `auth.token-usage` reports. The caller owns it: connect it before
   * `start()`, disconnect it after `stop()` (which flushes through it).
   */
  producer: EventProducer;
  logger: Logger;
  /** auth-service's internal introspection, plus the fallback's cache and concurrency settings. */
  introspection: IntrospectionFallbackSettings & {
    /** auth-service's base URL, or the full URL of `/internal/introspect`. */
    url: string;
    /** Sent as `X-Service-Key`. */
    serviceKey: string;
    /** Abort an introspection call after this long. Default 1000. */
    timeoutMs?: number;
    /** The fetch implementation; default the global one. */
    fetch?: typeof fetch;
  };
  /**
   * Past this many milliseconds behind the newest heartbeat of auth-service (on every partition), the
   * projection is no longer trusted and every request is validated through introspection
   * (`AUTH_MAX_STALENESS_MS`).
   */
  maxStalenessMs: number;
  /**
   * auth-service's public keys (`AUTH_STATE_PUBLIC_KEYS`): states, tombstones and heartbeats read from
   * Kafka without a valid signature by one of them are dropped, counted in
   * `auth_state_rejected_total` and logged. Only tests of other parts leave it out.
   */
  stateVerifier?: StateVerifier;
  usage?: {
    /** Default 5000. */
    flushIntervalMs?: number;
    /** Names this service and replica in usage reports. Default `<kafka clientId>@<hostname>`. */
    source: string;
    /** Most distinct tokens held between flushes. Default 100000. */
    maxPending?: number;
  };
  /** Per-token and per-address rate limits, counted in Redis across replicas; see {@link RateLimitSettings}. */
  rateLimit?: RateLimitSettings;
  /**
   * The service's metrics registry (the one passed to service-kit's `createApp`), for the rate limiter's
   * metrics. Default: a registry of its own (`Auth.metrics`).
   */
  metrics?: Registry;
  /** Epoch milliseconds; default `Date.now`. */
  clock?: () => number;
}

/** Rate limiting settings of {@link createAuth}. */
export interface RateLimitSettings {
  /**
   * Redis shared by every replica of every service (`REDIS_URL`). Unset: requests are not rate limited
   * (a warning is logged at start).
   */
  redisUrl?: string | undefined;
  /** Length of one fixed window in seconds (`RATE_LIMIT_WINDOW_SECONDS`). Default 60. */
  windowSeconds?: number;
  /** Requests per window per token when the integration sets no limit of its own. Default 100. */
  defaultLimit?: number;
  /** Failed authentications per window per client address (`AUTH_FAILURE_LIMIT_PER_MINUTE`). Default 300. */
  failureLimit?: number;
  /** Prefix of every Redis key (`RATE_LIMIT_KEY_PREFIX`). Default `eudr:rl:`. */
  keyPrefix?: string;
  /** A Redis command not answered within this long is a failure: the request is served unlimited. Default 200. */
  commandTimeoutMs?: number;
  /** A counter to use instead of Redis (tests); `redisUrl` is then ignored. */
  counter?: RateLimitCounter;
}

/** Token authentication for one resource service; see {@link createAuth}. */
export interface Auth {
  /** The replica's token projection (for sizes, readiness details, tests). */
  projection: TokenProjection;
  /**
   * Steps 1–8 of the validation order, then the rate limit: attaches the auth context, counts the request
   * against its token (429 RATE_LIMIT_EXCEEDED past the limit, `X-RateLimit-*` headers otherwise) and
   * authentication failures against the client address. Mount before every integration route.
   */
  authenticate: RequestHandler;
  /** Step 9: the token must carry every one of `scopes` (exact names). Mount after `authenticate`. */
  requireScopes(...scopes: Scope[]): RequestHandler;
  /** The registry holding the rate limiter's metrics (`options.metrics` when given). */
  metrics: Registry;
  /** True once the projection has caught up: the `/readyz` check. Redis plays no part in readiness. */
  isReady(): boolean;
  /**
   * Starts the projection (resolves once subscribed, not caught up), the usage flushing and the Redis
   * connection (at most about a second's wait when Redis is down; it keeps reconnecting).
   */
  start(): Promise<void>;
  /** Stops flushing (flushing what is pending through the producer), then the projection and Redis. */
  stop(): Promise<void>;
}

/** What a resource service's routes need of {@link Auth}: the two middleware (tests may pass stand-ins). */
export type RouteAuth = Pick<Auth, 'authenticate' | 'requireScopes'>;

/** The projection, its rejected states and its heartbeat age counted on the service's registry. */
function projectionWithMetrics(
  options: CreateAuthOptions,
  metrics: Registry,
  clock: () => number,
): TokenProjection {
  const rejectedStates = sharedCounter(
    metrics,
    'auth_state_rejected_total',
    'Token and integration states and heartbeats read from Kafka and dropped because auth-service did not sign them.',
    ['topic', 'kind', 'reason'],
  );
  const projection = createTokenProjection({
    kafka: options.kafka,
    logger: options.logger,
    clock,
    ...(options.stateVerifier === undefined ? {} : { verifier: options.stateVerifier }),
    onRejected: ({ topic, kind, reason }) => rejectedStates.inc({ topic, kind, reason }),
  });
  // One projection per registry in a service; a second createAuth on the same registry keeps the first gauge.
  sharedGauge(
    metrics,
    'auth_projection_heartbeat_age_seconds',
    "How far this replica's token projection may be behind auth-service (age of the oldest newest heartbeat).",
    () => projection.msSinceHeartbeat() / 1000,
  );
  return projection;
}

/** auth-service's introspection over HTTP, behind the fallback's caches and concurrency bound. */
function introspectionFallback(
  options: CreateAuthOptions,
  projection: TokenProjection,
  clock: () => number,
): IntrospectionFallback {
  const { url, serviceKey, timeoutMs, fetch: fetchImpl, ...fallbackSettings } = options.introspection;
  const introspect = createIntrospectionClient({
    url,
    serviceKey,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
  });
  return createIntrospectionFallback({
    ...fallbackSettings,
    introspect,
    projection,
    clock,
    logger: options.logger,
  });
}

/** The usage recorder, reporting to `auth.token-usage` through the service's producer. */
function usageRecorder(options: CreateAuthOptions, clock: () => number): UsageRecorder {
  const source = options.usage?.source ?? `${options.kafka.clientId}@${hostname()}`;
  return createUsageRecorder({
    source,
    logger: options.logger,
    clock,
    ...(options.usage?.flushIntervalMs === undefined
      ? {}
      : { flushIntervalMs: options.usage.flushIntervalMs }),
    ...(options.usage?.maxPending === undefined ? {} : { maxPending: options.usage.maxPending }),
    // Keyed by source: one replica's reports stay in order on one partition.
    publish: (reports) =>
      options.producer.publish(
        TOPICS.authTokenUsage,
        reports.map((value) => ({ key: source, value })),
      ),
  });
}

/**
 * The rate limiting's counter (the given one, else Redis at `redisUrl`; none: not limited) and the
 * limiter over it, with the limits of the projection; `announce` logs at start how requests are limited.
 */
function rateLimiting(
  options: CreateAuthOptions,
  parts: { projection: TokenProjection; usage: UsageRecorder; metrics: Registry; clock: () => number },
) {
  const { projection, usage, metrics, clock } = parts;
  const settings = options.rateLimit ?? {};
  const counter =
    settings.counter ??
    (settings.redisUrl === undefined
      ? undefined
      : createRedisCounter({
          url: settings.redisUrl,
          logger: options.logger,
          clock,
          ...(settings.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: settings.commandTimeoutMs }),
        }));
  const windowSeconds = settings.windowSeconds ?? DEFAULT_RATE_LIMIT_WINDOW_SECONDS;
  const defaultLimit = settings.defaultLimit ?? DEFAULT_RATE_LIMIT_PER_MINUTE;
  if (!Number.isInteger(windowSeconds) || windowSeconds <= 0) {
    throw new RangeError('rateLimit.windowSeconds must be a positive integer');
  }
  const limiter =
    counter === undefined
      ? undefined
      : createRateLimiter({
          counter,
          limitFor: (context) =>
            effectiveLimit(
              projection.integrationStatus(context.integrationId)?.rateLimitPerMinute,
              defaultLimit,
            ),
          windowSeconds,
          failureLimit: settings.failureLimit ?? DEFAULT_AUTH_FAILURE_LIMIT_PER_MINUTE,
          keyPrefix: settings.keyPrefix ?? 'eudr:rl:',
          metrics,
          logger: options.logger,
          clock,
          onTokenRefused: (tokenId, atMs) => usage.count(tokenId, atMs, 'RATE_LIMIT_EXCEEDED'),
        });
  return {
    counter,
    limiter,
    announce() {
      if (counter === undefined) {
        options.logger.warn('REDIS_URL is not set: requests are not rate limited');
      } else if (settings.counter === undefined && settings.redisUrl !== undefined) {
        options.logger.info(
          { redis: redisAddress(settings.redisUrl), windowSeconds, defaultLimit },
          'rate limiting per token across replicas',
        );
      }
    },
  };
}

/**
 * Wires token authentication for a resource service: the Kafka-fed projection, the introspection
 * fallback over HTTP, the usage recorder and the two middleware. See the package README for the
 * caching, concurrency and staleness decisions.
 *
 * ```ts
 * const auth = createAuth({ kafka, producer, logger, introspection: { url, serviceKey }, maxStalenessMs: 10_000 });
 * await auth.start();
 * app.post('/api/v1/integration/suppliers', auth.authenticate, auth.requireScopes('integration:suppliers:write'), handler);
 * ```
 */
export function createAuth(options: CreateAuthOptions): Auth {
  if (!Number.isFinite(options.maxStalenessMs) || options.maxStalenessMs <= 0) {
    throw new RangeError('maxStalenessMs must be a positive number');
  }
  const clock = options.clock ?? Date.now;
  const metrics = options.metrics ?? new Registry();
  const projection = projectionWithMetrics(options, metrics, clock);
  const fallback = introspectionFallback(options, projection, clock);
  const usage = usageRecorder(options, clock);
  const authenticator = createAuthenticator({
    projection,
    fallback,
    usage,
    maxStalenessMs: options.maxStalenessMs,
    clock,
    logger: options.logger,
  });
  const { counter, limiter, announce } = rateLimiting(options, { projection, usage, metrics, clock });

  return {
    projection,
    authenticate:
      limiter === undefined ? authenticator.authenticate : limiter.wrap(authenticator.authenticate),
    requireScopes: authenticator.requireScopes,
    metrics,
    isReady: () => projection.isCaughtUp(),
    async start() {
      announce();
      await Promise.all([projection.start(), counter?.start()]);
      usage.start();
    },
    async stop() {
      await usage.stop();
      await Promise.all([projection.stop(), counter?.stop()]);
    },
  };
}
