import { hostname } from 'node:os';
import {
  adminJwtVerifierFromConfig,
  authOptionsFromConfig,
  createAuth,
  createIntegrationLookup,
} from '@eudr/auth';
import { TOPICS, connectKafka, kafkaSecurityFromConfig } from '@eudr/events';
import { connectMongo, createLogger, createMetricsRegistry, startServer } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { Express } from 'express';
import { SERVICE_NAME, createApp } from './app';
import type { BatchesServiceConfig } from './config';
import type { EventOutbox } from './events/event-outbox';
import { createDomainEventsConsumer } from './suppliers-projection/domain-events.consumer';
import { createStores, createUseCases } from './use-cases';

/** Options of {@link startBatchesService} that are not configuration. */
export interface StartBatchesServiceOptions {
  /** Default: a new logger at `config.LOG_LEVEL`. */
  logger?: Logger;
  /** Shut down gracefully on SIGTERM/SIGINT and exit; default false (`main.ts` turns it on). */
  handleSignals?: boolean;
}

/** A running batches-service. */
export interface RunningBatchesService {
  /** Base URL, e.g. `http://127.0.0.1:4003`. */
  url: string;
  app: Express;
  /** The event outbox, e.g. to run the relay at once. */
  events: EventOutbox;
  /**
   * Graceful shutdown: stops taking requests and lets in-flight ones finish, then stops the consumer,
   * the token projection, the relay, the producer and the MongoDB connection, in that order.
   */
  stop(): Promise<void>;
}

/** The topics this service reads, reports to or publishes on. */
const TOPICS_USED = [
  TOPICS.authTokens,
  TOPICS.authIntegrations,
  TOPICS.authTokenUsage,
  TOPICS.suppliers,
  TOPICS.products,
  TOPICS.batches,
  TOPICS.dds,
  TOPICS.sync,
] as const;

/**
 * Starts batches-service: MongoDB and indexes, topics, producer, token projection, the consumer of
 * supplier and sync events, the relay, then listens. `/readyz` answers 503 until MongoDB is
 * connected, the token projection has caught up and the supplier projection has processed every event
 * published before the start. If any step fails, what was opened is closed again and the error thrown.
 */
export async function startBatchesService(
  config: BatchesServiceConfig,
  options: StartBatchesServiceOptions = {},
): Promise<RunningBatchesService> {
  const logger = options.logger ?? createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const verifyAdminJwt = adminJwtVerifierFromConfig(config);
  const opened: { name: string; close: () => Promise<void> }[] = [];
  try {
    const mongo = await connectMongo(config.MONGO_URL, { logger });
    opened.unshift({ name: 'mongodb', close: () => mongo.close() });
    const stores = createStores(mongo.connection);
    await mongo.ensureIndexes();

    const { kafka, producer } = await connectKafka({
      brokers: config.KAFKA_BROKERS,
      clientId: SERVICE_NAME,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      logger,
      topics: TOPICS_USED,
      ...kafkaSecurityFromConfig(config),
    });
    opened.unshift({ name: 'kafka producer', close: () => producer.disconnect() });

    // One registry for the HTTP metrics and the rate limiter's, both on /metrics.
    const metrics = createMetricsRegistry({ service: SERVICE_NAME });
    const auth = createAuth({
      kafka,
      producer,
      logger,
      metrics,
      ...authOptionsFromConfig(config, `${SERVICE_NAME}@${hostname()}:${process.pid}`),
    });
    await auth.start();
    opened.unshift({ name: 'auth', close: () => auth.stop() });

    const { outbox, products, batches, dds, sync } = createUseCases(stores, {
      producer,
      logger,
      publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
      relayIntervalMs: config.RELAY_INTERVAL_MS,
      relayMinAgeMs: config.RELAY_MIN_AGE_MS,
    });
    outbox.startRelay();
    opened.unshift({ name: 'relay', close: () => outbox.stopRelay() });

    const consumer = createDomainEventsConsumer({
      kafka,
      logger,
      suppliers: stores.suppliers,
      products,
      syncLogs: stores.syncLogs,
    });
    await consumer.start();
    opened.unshift({ name: 'domain events consumer', close: () => consumer.stop() });

    const app = createApp({
      logger,
      auth,
      verifyAdminJwt,
      integrations: createIntegrationLookup({ authServiceUrl: config.AUTH_SERVICE_URL, logger }),
      products,
      batches,
      dds,
      sync,
      readiness: [
        mongo.readinessCheck,
        { name: 'auth-projection', check: () => auth.isReady() },
        { name: 'supplier-projection', check: () => consumer.isReady() },
      ],
      metrics,
      trustProxy: config.TRUST_PROXY,
    });
    const server = await startServer({
      app,
      port: config.PORT,
      host: config.HOST,
      logger,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      handleSignals: options.handleSignals ?? false,
      // HTTP has drained by now. The consumer stops first (its handler publishes through the outbox),
      // then auth (flushes usage through the producer) and the relay; MongoDB goes last.
      onShutdown: [
        { name: 'domain events consumer', run: () => consumer.stop() },
        { name: 'auth', run: () => auth.stop() },
        { name: 'relay', run: () => outbox.stopRelay() },
        { name: 'background publishes', run: () => outbox.drain(2_000) },
        { name: 'kafka producer', run: () => producer.disconnect() },
        { name: 'mongodb', run: () => mongo.close() },
      ],
    });
    return { url: server.url, app, events: outbox, stop: () => server.shutdown() };
  } catch (err) {
    for (const resource of opened) {
      await resource.close().catch((closeErr: unknown) => {
        logger.warn({ err: closeErr, resource: resource.name }, 'could not close after a failed start');
      });
    }
    throw err;
  }
}
