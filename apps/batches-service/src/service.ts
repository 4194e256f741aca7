import { authOptionsFromConfig, createAuth } from '@eudr/auth';
import { adminJwtVerifierFromConfig, createIntegrationLookup } from '@eudr/admin-auth';
import { TOPICS, connectKafka, kafkaOptionsFromConfig, outboxTimingsFromConfig } from '@eudr/events';
import { connectMongo, defineService, replicaName } from '@eudr/service-kit';
import type { RunningService, ServiceParts } from '@eudr/service-kit';
import { BATCHES_PATH, createBatchesRouter } from './batches/batches.routes';
import type { BatchesServiceConfig } from './config';
import { ADMIN_DDS_PATH, DDS_PATH, createAdminDdsRouter, createDdsRouter } from './dds/dds.routes';
import type { EventOutbox } from '@eudr/events';
import { PRODUCTS_PATH, createProductsRouter } from './products/products.routes';
import { createDomainEventsConsumer } from './suppliers-projection/domain-events.consumer';
import {
  ADMIN_SYNC_LOGS_PATH,
  ADMIN_SYNC_STATUS_PATH,
  createAdminSyncLogsRouter,
  createAdminSyncStatusRouter,
} from './sync/admin-sync.routes';
import {
  SYNC_LOGS_PATH,
  SYNC_STATUS_PATH,
  createSyncLogsRouter,
  createSyncStatusRouter,
} from './sync/sync.routes';
import { createStores, createUseCases } from './use-cases';

/** The name the service reports in logs and metrics. */
export const SERVICE_NAME = 'batches-service';

/** A running batches-service; `events` runs the relay at once (tests). */
export type RunningBatchesService = RunningService<{ events: EventOutbox }>;

const TOPICS_USED = [
  TOPICS.authTokens,
  TOPICS.authIntegrations,
  TOPICS.authTokenUsage,
  TOPICS.suppliers,
  TOPICS.products,
  TOPICS.batches,
  TOPICS.dds,
  TOPICS.sync,
];

/**
 * batches-service: MongoDB, Kafka, the token projection, the outbox relay, the consumer of supplier
 * and sync events, and the products, batches, DDS and sync routes (each group on its own path, so a
 * path of another service never meets this service's authentication). `/readyz` answers 503 until
 * MongoDB is connected, the token projection has caught up and the supplier projection has processed
 * every event published before the start.
 */
export const startBatchesService = defineService({
  name: SERVICE_NAME,
  async build({ config, logger, metrics, open }: ServiceParts<BatchesServiceConfig>) {
    const verifyAdminJwt = adminJwtVerifierFromConfig(config);
    const mongo = await open('mongodb', connectMongo(config.MONGO_URL, { logger }), (m) => m.close());
    const stores = createStores(mongo.connection);
    await mongo.ensureIndexes();
    const { kafka, producer } = await open(
      'kafka producer',
      connectKafka({ ...kafkaOptionsFromConfig(config, SERVICE_NAME, logger), topics: TOPICS_USED }),
      (k) => k.producer.disconnect(),
    );
    const auth = createAuth({
      kafka,
      producer,
      logger,
      metrics,
      ...authOptionsFromConfig(config, replicaName(SERVICE_NAME)),
    });
    await open('auth', auth.start(), () => auth.stop());
    const { outbox, products, batches, dds, sync } = createUseCases(stores, {
      producer,
      logger,
      ...outboxTimingsFromConfig(config),
    });
    await open('relay', outbox.startRelay(), async () => {
      await outbox.stopRelay();
      await outbox.drain(2_000);
    });
    // Stops first: its handler publishes through the outbox.
    const consumer = createDomainEventsConsumer({
      kafka,
      logger,
      suppliers: stores.suppliers,
      products,
      syncLogs: stores.syncLogs,
    });
    await open('domain events consumer', consumer.start(), () => consumer.stop());
    const integrations = createIntegrationLookup({ authServiceUrl: config.AUTH_SERVICE_URL, logger });
    const admin = { verifyAdminJwt, integrations, sync };
    return {
      routes: (app) => {
        app.use(PRODUCTS_PATH, createProductsRouter({ auth, products }));
        app.use(BATCHES_PATH, createBatchesRouter({ auth, batches }));
        app.use(DDS_PATH, createDdsRouter({ auth, dds }));
        app.use(SYNC_STATUS_PATH, createSyncStatusRouter({ auth, sync }));
        app.use(SYNC_LOGS_PATH, createSyncLogsRouter({ auth, sync }));
        app.use(ADMIN_DDS_PATH, createAdminDdsRouter({ verifyAdminJwt, dds }));
        app.use(ADMIN_SYNC_LOGS_PATH, createAdminSyncLogsRouter(admin));
        app.use(ADMIN_SYNC_STATUS_PATH, createAdminSyncStatusRouter(admin));
      },
      readiness: [
        mongo.readinessCheck,
        { name: 'auth-projection', check: () => auth.isReady() },
        { name: 'supplier-projection', check: () => consumer.isReady() },
      ],
      expose: { events: outbox },
    };
  },
});
