import { hostname } from 'node:os';
import {
  adminJwtVerifierFromConfig,
  authOptionsFromConfig,
  createAuth,
  createIntegrationLookup,
} from '@eudr/auth';
import { DOMAIN_TOPICS, TOPICS, connectKafka, kafkaSecurityFromConfig } from '@eudr/events';
import { connectMongo, createLogger, createMetricsRegistry, startServer } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { Express } from 'express';
import { SERVICE_NAME, createApp } from './app';
import type { WebhooksServiceConfig } from './config';
import { createDomainEventsConsumer } from './consumers/domain-events.consumer';
import { createDeliveriesRepository } from './deliveries/deliveries.repository';
import { createDeliveryWorker } from './deliveries/delivery-worker';
import type { DeliveryWorker } from './deliveries/delivery-worker';
import { createWebhookSender } from './deliveries/webhook-sender';
import { createSecretBox } from './subscriptions/secret-box';
import { createSubscriptionsRepository } from './subscriptions/subscriptions.repository';
import { createSubscriptionsService } from './subscriptions/subscriptions.service';
import { createTargetPolicy } from './subscriptions/target-policy';

/** Options of {@link startWebhooksService} that are not configuration. */
export interface StartWebhooksServiceOptions {
  /** Default: a new logger at `config.LOG_LEVEL`. */
  logger?: Logger;
  /** Shut down gracefully on SIGTERM/SIGINT and exit; default false (`main.ts` turns it on). */
  handleSignals?: boolean;
}

/** A running webhooks-service. */
export interface RunningWebhooksService {
  /** Base URL, e.g. `http://127.0.0.1:4004`. */
  url: string;
  app: Express;
  worker: DeliveryWorker;
  /**
   * Graceful shutdown: stops taking requests, stops consuming events, lets attempts in flight finish
   * (up to `WEBHOOK_DRAIN_MS`, then releases their leases), then closes auth, the producer and MongoDB.
   */
  stop(): Promise<void>;
}

/** The topics this service reads (token state, domain events) or reports to (usage). */
const TOPICS_USED = [
  TOPICS.authTokens,
  TOPICS.authIntegrations,
  TOPICS.authTokenUsage,
  ...DOMAIN_TOPICS,
] as const;

/**
 * Starts webhooks-service: MongoDB and its indexes, the Kafka topics, the producer (token usage), the
 * token projection, the HTTP server, then the delivery worker and the domain events consumer.
 * `/readyz` answers 503 until MongoDB is connected, the projection has caught up and the consumer runs.
 * If any step fails, what was opened is closed again and the error is thrown.
 */
export async function startWebhooksService(
  config: WebhooksServiceConfig,
  options: StartWebhooksServiceOptions = {},
): Promise<RunningWebhooksService> {
  const logger = options.logger ?? createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const replica = `${SERVICE_NAME}@${hostname()}:${process.pid}`;
  const verifyAdminJwt = adminJwtVerifierFromConfig(config);
  const opened: { name: string; close: () => Promise<void> }[] = [];
  try {
    const policy = createTargetPolicy(config.WEBHOOK_TARGET_ALLOWLIST);
    if (config.WEBHOOK_TARGET_ALLOWLIST.length > 0) {
      logger.warn(
        { allowList: config.WEBHOOK_TARGET_ALLOWLIST },
        'webhook targets on these hosts or networks are allowed even if private',
      );
    }
    const secrets = createSecretBox(config.WEBHOOK_SECRET_KEY);

    const mongo = await connectMongo(config.MONGO_URL, { logger });
    opened.unshift({ name: 'mongodb', close: () => mongo.close() });
    const subscriptionsRepository = createSubscriptionsRepository(mongo.connection);
    const deliveriesRepository = createDeliveriesRepository(mongo.connection);
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
    const auth = createAuth({ kafka, producer, logger, metrics, ...authOptionsFromConfig(config, replica) });
    await auth.start();
    opened.unshift({ name: 'auth', close: () => auth.stop() });
    const integrationStatus = (integrationId: string) =>
      auth.projection.integrationStatus(integrationId)?.status;

    const sender = createWebhookSender({ policy, timeoutMs: config.WEBHOOK_TIMEOUT_MS });
    opened.unshift({ name: 'webhook sender', close: async () => sender.close() });
    const worker = createDeliveryWorker({
      deliveries: deliveriesRepository,
      subscriptions: subscriptionsRepository,
      sender,
      secrets,
      integrationStatus,
      logger,
      owner: replica,
      retryDelaysMs: config.WEBHOOK_RETRY_DELAYS_MS,
      concurrency: config.WEBHOOK_CONCURRENCY,
      perSubscriptionConcurrency: config.WEBHOOK_PER_SUBSCRIPTION_CONCURRENCY,
      maxConsecutiveFailures: config.WEBHOOK_MAX_CONSECUTIVE_FAILURES,
      leaseMs: config.WEBHOOK_LEASE_MS,
      pollIntervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
      metrics,
    });
    const consumer = createDomainEventsConsumer({
      kafka,
      subscriptions: subscriptionsRepository,
      deliveries: deliveriesRepository,
      integrationStatus,
      whenAuthReady: () => auth.projection.whenCaughtUp(),
      onStored: (due) => worker.enqueue(due),
      logger,
    });

    const subscriptions = createSubscriptionsService({
      subscriptions: subscriptionsRepository,
      deliveries: deliveriesRepository,
      secrets,
      policy,
      sender,
      logger,
    });
    const app = createApp({
      logger,
      auth,
      verifyAdminJwt,
      integrations: createIntegrationLookup({ authServiceUrl: config.AUTH_SERVICE_URL, logger }),
      subscriptions,
      readiness: [
        mongo.readinessCheck,
        { name: 'auth-projection', check: () => auth.isReady() },
        { name: 'domain-events-consumer', check: () => consumer.isRunning() },
        { name: 'delivery-worker', check: () => worker.isRunning() },
      ],
      metrics,
      trustProxy: config.TRUST_PROXY,
    });

    worker.start();
    opened.unshift({ name: 'delivery worker', close: () => worker.stop(config.WEBHOOK_DRAIN_MS) });
    await consumer.start();
    opened.unshift({ name: 'domain events consumer', close: () => consumer.disconnect() });

    const server = await startServer({
      app,
      port: config.PORT,
      host: config.HOST,
      logger,
      shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      handleSignals: options.handleSignals ?? false,
      // HTTP has drained. The consumer stops first (no new deliveries), then the worker finishes or
      // releases what is in flight while MongoDB is still there to record it; auth flushes its usage
      // report through the producer before the producer goes; MongoDB last.
      onShutdown: [
        { name: 'domain events consumer', run: () => consumer.disconnect() },
        { name: 'delivery worker', run: () => worker.stop(config.WEBHOOK_DRAIN_MS) },
        { name: 'webhook sender', run: () => sender.close() },
        { name: 'auth', run: () => auth.stop() },
        { name: 'kafka producer', run: () => producer.disconnect() },
        { name: 'mongodb', run: () => mongo.close() },
      ],
    });
    return { url: server.url, app, worker, stop: () => server.shutdown() };
  } catch (err) {
    for (const resource of opened) {
      await resource.close().catch((closeErr: unknown) => {
        logger.warn({ err: closeErr, resource: resource.name }, 'could not close after a failed start');
      });
    }
    throw err;
  }
}
