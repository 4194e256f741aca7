import { hostname } from 'node:os';
import { authOptionsFromConfig, createAuth } from '@eudr/auth';
import { TOPICS, connectKafka, kafkaSecurityFromConfig } from '@eudr/events';
import { connectMongo, createLogger, createMetricsRegistry, startServer } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { Express } from 'express';
import { SERVICE_NAME, createApp } from './app';
import type { SuppliersServiceConfig } from './config';
import { createSupplierEventsPublisher } from './suppliers/supplier-events.publisher';
import type { SupplierEventsPublisher } from './suppliers/supplier-events.publisher';
import { createSuppliersRepository } from './suppliers/suppliers.repository';
import { createSuppliersService } from './suppliers/suppliers.service';
import { createSyncLogsRepository } from './sync-logs/sync-logs.repository';

/** Options of {@link startSuppliersService} that are not configuration. */
export interface StartSuppliersServiceOptions {
  /** Default: a new logger at `config.LOG_LEVEL`. */
  logger?: Logger;
  /** Shut down gracefully on SIGTERM/SIGINT and exit; default false (`main.ts` turns it on). */
  handleSignals?: boolean;
}

/** A running suppliers-service. */
export interface RunningSuppliersService {
  /** Base URL, e.g. `http://127.0.0.1:4002`. */
  url: string;
  app: Express;
  /** The event publisher, e.g. to run the relay at once. */
  events: SupplierEventsPublisher;
  /**
   * Graceful shutdown: stops taking requests and lets in-flight ones finish, then stops the token
   * projection, the relay, the producer and the MongoDB connection, in that order. Idempotent.
   */
  stop(): Promise<void>;
}

/** The topics this service reads (token state), reports to (usage) or publishes on. */
const TOPICS_USED = [
  TOPICS.authTokens,
  TOPICS.authIntegrations,
  TOPICS.authTokenUsage,
  TOPICS.suppliers,
  TOPICS.sync,
] as const;

/**
 * Starts suppliers-service: connects to MongoDB and builds the indexes, makes sure its Kafka topics
 * exist, connects the producer, starts the token projection and the event relay, and listens.
 * `/readyz` answers 503 until MongoDB is connected and the token projection has caught up. If any
 * step fails, what was opened is closed again and the error is thrown.
 */
export async function startSuppliersService(
  config: SuppliersServiceConfig,
  options: StartSuppliersServiceOptions = {},
): Promise<RunningSuppliersService> {
  const logger = options.logger ?? createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  // What to close if a later start step fails, newest first.
  const opened: { name: string; close: () => Promise<void> }[] = [];
  try {
    const mongo = await connectMongo(config.MONGO_URL, { logger });
    opened.unshift({ name: 'mongodb', close: () => mongo.close() });
    const suppliersRepository = createSuppliersRepository(mongo.connection);
    const syncLogsRepository = createSyncLogsRepository(mongo.connection);
    // Before listening: the unique (orgId, externalId) index must exist before the first upsert relies on it.
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

    const events = createSupplierEventsPublisher({
      producer,
      suppliers: suppliersRepository,
      syncLogs: syncLogsRepository,
      logger,
      publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
      relayIntervalMs: config.RELAY_INTERVAL_MS,
      relayMinAgeMs: config.RELAY_MIN_AGE_MS,
    });
    events.startRelay();
    opened.unshift({ name: 'relay', close: () => events.stopRelay() });

    const suppliers = createSuppliersService({
      suppliers: suppliersRepository,
      syncLogs: syncLogsRepository,
      events,
      logger,
    });
    const app = createApp({
      logger,
      auth,
      suppliers,
      readiness: [mongo.readinessCheck, { name: 'auth-projection', check: () => auth.isReady() }],
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
      // HTTP has drained by now. auth flushes its last usage report through the producer, and the
      // relay may be publishing, so both stop before the producer disconnects; MongoDB goes last.
      onShutdown: [
        { name: 'auth', run: () => auth.stop() },
        { name: 'relay', run: () => events.stopRelay() },
        { name: 'kafka producer', run: () => producer.disconnect() },
        { name: 'mongodb', run: () => mongo.close() },
      ],
    });
    return { url: server.url, app, events, stop: () => server.shutdown() };
  } catch (err) {
    for (const resource of opened) {
      await resource.close().catch((closeErr: unknown) => {
        logger.warn({ err: closeErr, resource: resource.name }, 'could not close after a failed start');
      });
    }
    throw err;
  }
}
