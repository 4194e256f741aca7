import { hostname } from 'node:os';
import { TOPICS } from '@eudr/events';
import type { EventProducer, EventsKafka } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import type { RequestHandler } from 'express';
import { createAuthenticator } from './auth.middleware';
import { createIntrospectionClient } from './introspection.client';
import { createIntrospectionFallback } from './introspection-fallback';
import type { IntrospectionFallbackSettings } from './introspection-fallback';
import type { Scope } from './scopes';
import { createTokenProjection } from './token-projection';
import type { TokenProjection } from './token-projection';
import { createUsageRecorder } from './token-usage.recorder';

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
   * Past this many milliseconds without a successful fetch from Kafka, the projection is no longer
   * trusted and every request is validated through introspection (`AUTH_MAX_STALENESS_MS`).
   */
  maxStalenessMs: number;
  usage?: {
    /** Default 5000. */
    flushIntervalMs?: number;
    /** Names this service and replica in usage reports. Default `<kafka clientId>@<hostname>`. */
    source: string;
    /** Most distinct tokens held between flushes. Default 100000. */
    maxPending?: number;
  };
  /** Epoch milliseconds; default `Date.now`. */
  clock?: () => number;
}

/** Token authentication for one resource service; see {@link createAuth}. */
export interface Auth {
  /** The replica's token projection (for sizes, readiness details, tests). */
  projection: TokenProjection;
  /** Steps 1–6 of the validation order; attaches the auth context. Mount before every integration route. */
  authenticate: RequestHandler;
  /** Step 7: the token must carry every one of `scopes` (exact names). Mount after `authenticate`. */
  requireScopes(...scopes: Scope[]): RequestHandler;
  /** True once the projection has caught up: the `/readyz` check. */
  isReady(): boolean;
  /** Starts the projection (resolves once subscribed, not caught up) and the usage flushing. */
  start(): Promise<void>;
  /** Stops flushing (flushing what is pending through the producer), then stops the projection. */
  stop(): Promise<void>;
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
  const projection = createTokenProjection({ kafka: options.kafka, logger: options.logger });
  const { url, serviceKey, timeoutMs, fetch: fetchImpl, ...fallbackSettings } = options.introspection;
  const introspect = createIntrospectionClient({
    url,
    serviceKey,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
  });
  const fallback = createIntrospectionFallback({
    ...fallbackSettings,
    introspect,
    projection,
    clock,
    logger: options.logger,
  });
  const source = options.usage?.source ?? `${options.kafka.clientId}@${hostname()}`;
  const usage = createUsageRecorder({
    source,
    logger: options.logger,
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
  const authenticator = createAuthenticator({
    projection,
    fallback,
    usage,
    maxStalenessMs: options.maxStalenessMs,
    clock,
    logger: options.logger,
  });

  return {
    projection,
    authenticate: authenticator.authenticate,
    requireScopes: authenticator.requireScopes,
    isReady: () => projection.isCaughtUp(),
    async start() {
      await projection.start();
      usage.start();
    },
    async stop() {
      await usage.stop();
      await projection.stop();
    },
  };
}
