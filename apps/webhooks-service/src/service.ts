import { authOptionsFromConfig, createAuth } from '@eudr/auth';
import type { Auth } from '@eudr/auth';
import { adminJwtVerifierFromConfig, createIntegrationLookup } from '@eudr/admin-auth';
import { DOMAIN_TOPICS, TOPICS, connectKafka, kafkaOptionsFromConfig } from '@eudr/events';
import { connectMongo, defineService, replicaName } from '@eudr/service-kit';
import type { RunningService, ServiceParts } from '@eudr/service-kit';
import type { Express } from 'express';
import type { WebhooksServiceConfig } from './config';
import { createDomainEventsConsumer } from './consumers/domain-events.consumer';
import { createDeliveriesRepository } from './deliveries/deliveries.repository';
import { createDeliveryWorker } from './deliveries/delivery-worker';
import type { CreateDeliveryWorkerOptions, DeliveryWorker } from './deliveries/delivery-worker';
import { createWebhookSender } from './deliveries/webhook-sender';
import { ADMIN_WEBHOOKS_PATH, createAdminWebhooksRouter } from './subscriptions/admin-webhooks.routes';
import { createSecretBox } from './subscriptions/secret-box';
import { createSubscriptionsRepository } from './subscriptions/subscriptions.repository';
import { WEBHOOKS_PATH, createSubscriptionsRouter } from './subscriptions/subscriptions.routes';
import { createSubscriptionsService } from './subscriptions/subscriptions.service';
import type { SubscriptionsService } from './subscriptions/subscriptions.service';
import { createTargetPolicy } from './subscriptions/target-policy';

/** The name the service reports in logs and metrics. */
export const SERVICE_NAME = 'webhooks-service';

/** A running webhooks-service; `worker` for its stats (tests). */
export type RunningWebhooksService = RunningService<{ worker: DeliveryWorker }>;

type Parts = ServiceParts<WebhooksServiceConfig>;

/**
 * webhooks-service: MongoDB, Kafka (token usage), the token projection, the webhook sender, the
 * delivery worker, the domain events consumer, and the subscription routes of the Integration API and
 * of the admin API. At shutdown the consumer stops first (no new deliveries), then the worker finishes
 * or releases what is in flight (up to `WEBHOOK_DRAIN_MS`) while MongoDB is still there to record it.
 * `/readyz` answers 503 until MongoDB is connected, the projection has caught up and the consumer runs.
 */
export const startWebhooksService = defineService({
  name: SERVICE_NAME,
  async build(parts: Parts) {
    const { logger, open } = parts;
    const replica = replicaName(SERVICE_NAME);
    const { mongo, stores } = await openStores(parts);
    const { kafka, auth } = await openAuth(parts, replica);
    const integrationStatus = (integrationId: string) =>
      auth.projection.integrationStatus(integrationId)?.status;
    const { worker, ...delivering } = await openDelivery(parts, {
      ...stores,
      integrationStatus,
      owner: replica,
    });
    const consumer = createDomainEventsConsumer({
      kafka,
      ...stores,
      integrationStatus,
      whenAuthReady: () => auth.projection.whenCaughtUp(),
      onStored: (due) => worker.enqueue(due),
      logger,
    });
    await open('domain events consumer', consumer.start(), () => consumer.disconnect());
    const subscriptions = createSubscriptionsService({ ...stores, ...delivering, logger });
    return {
      routes: (app: Express) => useRoutes(app, parts, auth, subscriptions),
      readiness: [
        mongo.readinessCheck,
        { name: 'auth-projection', check: () => auth.isReady() },
        { name: 'domain-events-consumer', check: () => consumer.isRunning() },
        { name: 'delivery-worker', check: () => worker.isRunning() },
      ],
      expose: { worker },
    };
  },
});

/** MongoDB, its two repositories and their indexes. */
async function openStores({ config, logger, open }: Parts) {
  const mongo = await open('mongodb', connectMongo(config.MONGO_URL, { logger }), (m) => m.close());
  const stores = {
    subscriptions: createSubscriptionsRepository(mongo.connection),
    deliveries: createDeliveriesRepository(mongo.connection),
  };
  await mongo.ensureIndexes();
  return { mongo, stores };
}

/** Kafka (the auth topics and every domain topic) and the token projection, started. */
async function openAuth({ config, logger, metrics, open }: Parts, replica: string) {
  const topics = [TOPICS.authTokens, TOPICS.authIntegrations, TOPICS.authTokenUsage, ...DOMAIN_TOPICS];
  const { kafka, producer } = await open(
    'kafka producer',
    connectKafka({ ...kafkaOptionsFromConfig(config, SERVICE_NAME, logger), topics }),
    (k) => k.producer.disconnect(),
  );
  const auth = createAuth({ kafka, producer, logger, metrics, ...authOptionsFromConfig(config, replica) });
  await open('auth', auth.start(), () => auth.stop());
  return { kafka, auth };
}

/**
 * The secret box, the target policy (its allow-list said in the log), the sender that applies it, and
 * this replica's delivery worker, started.
 */
async function openDelivery(
  { config, logger, metrics, open }: Parts,
  deps: Pick<CreateDeliveryWorkerOptions, 'subscriptions' | 'deliveries' | 'integrationStatus' | 'owner'>,
) {
  const policy = createTargetPolicy(config.WEBHOOK_TARGET_ALLOWLIST);
  if (config.WEBHOOK_TARGET_ALLOWLIST.length > 0) {
    logger.warn(
      { allowList: config.WEBHOOK_TARGET_ALLOWLIST },
      'webhook targets on these hosts or networks are allowed even if private',
    );
  }
  const secrets = createSecretBox(config.WEBHOOK_SECRET_KEY);
  const sender = await open(
    'webhook sender',
    createWebhookSender({ policy, timeoutMs: config.WEBHOOK_TIMEOUT_MS }),
    (s) => s.close(),
  );
  const worker = createDeliveryWorker({
    ...deps,
    sender,
    secrets,
    logger,
    retryDelaysMs: config.WEBHOOK_RETRY_DELAYS_MS,
    concurrency: config.WEBHOOK_CONCURRENCY,
    perSubscriptionConcurrency: config.WEBHOOK_PER_SUBSCRIPTION_CONCURRENCY,
    maxConsecutiveFailures: config.WEBHOOK_MAX_CONSECUTIVE_FAILURES,
    leaseMs: config.WEBHOOK_LEASE_MS,
    pollIntervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
    metrics,
  });
  await open('delivery worker', worker.start(), () => worker.stop(config.WEBHOOK_DRAIN_MS));
  return { secrets, policy, sender, worker };
}

/** The subscription routes: the Integration API's (integration token) and the admin API's (admin JWT). */
function useRoutes(
  app: Express,
  { config, logger }: Parts,
  auth: Auth,
  subscriptions: SubscriptionsService,
): void {
  const verifyAdminJwt = adminJwtVerifierFromConfig(config);
  const integrations = createIntegrationLookup({ authServiceUrl: config.AUTH_SERVICE_URL, logger });
  app.use(WEBHOOKS_PATH, createSubscriptionsRouter({ auth, subscriptions }));
  app.use(ADMIN_WEBHOOKS_PATH, createAdminWebhooksRouter({ verifyAdminJwt, integrations, subscriptions }));
}
