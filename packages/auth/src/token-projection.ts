import { TOPICS, createStateReader } from '@eudr/events';
import type {
  AnyConsumedMessage,
  EventsKafka,
  IntegrationState,
  StateReader,
  TokenState,
} from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import { createProjectionStore } from './projection-store';
import type { IntegrationStatus } from './projection-store';

/**
 * Every token state and integration status of the platform, held in memory by each replica of a
 * resource service and kept current from the compacted `auth.tokens` and `auth.integrations` topics.
 * Lookups are plain map reads: validating a known token does no I/O.
 */
export interface TokenProjection {
  /**
   * Reads the high-water marks, then starts reading both topics from the beginning, in full, with a
   * consumer group of its own (every replica sees every revocation) that commits nothing. Resolves once
   * subscribed; use {@link TokenProjection.whenCaughtUp} to wait for the content. Call once.
   */
  start(): Promise<void>;
  /** Leaves the group and closes the connections. The content stays readable but is no longer updated. */
  stop(): Promise<void>;
  /** True once every partition has been read up to the high-water mark read at start. */
  isCaughtUp(): boolean;
  /** Resolves once caught up; rejects if the projection is stopped first. */
  whenCaughtUp(): Promise<void>;
  /** Milliseconds since the consumer's last fetch answered by a broker (Infinity before the first). */
  msSinceLastFetch(): number;
  /** The newest known state of the token with this SHA-256 hash. */
  findByHash(tokenHash: string): TokenState | undefined;
  /** The newest known status of an integration. */
  integrationStatus(integrationId: string): IntegrationStatus | undefined;
  /**
   * Version-checked upsert, used by the consumer and for introspection answers: applied only when
   * newer than the held state; a revocation is never undone. Returns whether it was applied.
   */
  applyToken(state: TokenState): boolean;
  /** Version-checked upsert of an integration status. Returns whether it was applied. */
  applyIntegration(state: IntegrationState): boolean;
  size(): { tokens: number; integrations: number };
}

/** Options of {@link createTokenProjection}. */
export interface CreateTokenProjectionOptions {
  /** The Kafka client (brokers and topic prefix). */
  kafka: EventsKafka;
  logger: Logger;
  /** Names the reader in its consumer group id and logs. Default `token-projection`. */
  name?: string;
  /**
   * Longest a fetch waits for data, i.e. the gap between fetches while idle. It bounds how often
   * `msSinceLastFetch` is refreshed, so keep it well below the staleness bound. Default 1000.
   */
  maxWaitTimeMs?: number;
}

type AuthStateTopic = typeof TOPICS.authTokens | typeof TOPICS.authIntegrations;

/**
 * Creates the token projection of one replica; see {@link TokenProjection}. Creating it opens no
 * connection. Messages that are not valid JSON or do not match their schema are logged and skipped by
 * the events consumer, so one malformed message never blocks the projection. A tombstone removes the
 * token (then unknown) or the integration (then its tokens count as inactive).
 */
export function createTokenProjection(options: CreateTokenProjectionOptions): TokenProjection {
  const store = createProjectionStore();
  const logger = options.logger.child({ component: 'token-projection' });
  let startedAt = 0;
  let started = false;

  const apply = (message: AnyConsumedMessage<AuthStateTopic>): void => {
    if (message.topic === TOPICS.authTokens) {
      if (message.value === null) {
        if (message.key !== null) store.removeToken(message.key);
      } else {
        store.applyToken(message.value);
      }
    } else if (message.value === null) {
      if (message.key !== null) store.removeIntegration(message.key);
    } else {
      store.applyIntegration(message.value);
    }
  };

  const reader: StateReader = createStateReader(options.kafka, {
    name: options.name ?? 'token-projection',
    topics: [TOPICS.authTokens, TOPICS.authIntegrations],
    maxWaitTimeMs: options.maxWaitTimeMs ?? 1_000,
    // Applying is synchronous and cannot fail, so a batch handler costs one call per fetched batch.
    batchHandler: async (messages) => {
      for (const message of messages) apply(message);
    },
  });

  reader
    .whenCaughtUp()
    .then(() => {
      logger.info({ ...store.size(), ms: Date.now() - startedAt }, 'token projection caught up');
    })
    .catch(() => undefined);

  return {
    async start() {
      if (started) throw new Error('the token projection was already started');
      started = true;
      startedAt = Date.now();
      await reader.start();
    },
    stop: () => reader.disconnect(),
    isCaughtUp: () => reader.isCaughtUp(),
    whenCaughtUp: () => reader.whenCaughtUp(),
    msSinceLastFetch: () => reader.msSinceLastFetch(),
    findByHash: (tokenHash) => store.findByHash(tokenHash),
    integrationStatus: (integrationId) => store.integrationStatus(integrationId),
    applyToken: (state) => store.applyToken(state),
    applyIntegration: (state) => store.applyIntegration(state),
    size: () => store.size(),
  };
}
