import { authOptionsFromConfig, createAuth } from '@eudr/auth';
import {
  TOPICS,
  connectKafka,
  createEventOutbox,
  createOutboxRepository,
  kafkaOptionsFromConfig,
  outboxTimingsFromConfig,
} from '@eudr/events';
import type { EventOutbox } from '@eudr/events';
import { createRecordStore } from '@eudr/records';
import { connectMongo, defineService, replicaName } from '@eudr/service-kit';
import type { PeriodicTask, RunningService, ServiceParts } from '@eudr/service-kit';
import type { SuppliersServiceConfig } from './config';
import { createLegacyPendingEvents } from './suppliers/legacy-pending-events';
import { createSupplierWriteRecovery } from './suppliers/supplier-events';
import { supplierModel } from './suppliers/supplier.model';
import { SUPPLIERS_PATH, createSuppliersRouter } from './suppliers/suppliers.routes';
import { createSuppliersService } from './suppliers/suppliers.service';
import { createSyncLogsRepository } from './sync-logs/sync-logs.repository';
import { TOKEN_INFO_PATH, createTokenInfoRouter } from './token-info/token-info.routes';

/** The name the service reports in logs and metrics. */
export const SERVICE_NAME = 'suppliers-service';

/**
 * A running suppliers-service; `events` runs the relay at once, `legacyEvents` the publication of
 * events owed before the outbox (tests).
 */
export type RunningSuppliersService = RunningService<{
  events: EventOutbox;
  legacyEvents: PeriodicTask<number>;
}>;

/**
 * suppliers-service: MongoDB, Kafka, the token projection, the event relay and the suppliers routes.
 * `/readyz` answers 503 until MongoDB is connected and the token projection has caught up.
 */
export const startSuppliersService = defineService({
  name: SERVICE_NAME,
  async build({ config, logger, metrics, open }: ServiceParts<SuppliersServiceConfig>) {
    const mongo = await open('mongodb', connectMongo(config.MONGO_URL, { logger }), (m) => m.close());
    const stores = {
      suppliers: createRecordStore(supplierModel(mongo.connection)),
      syncLogs: createSyncLogsRepository(mongo.connection),
      outbox: createOutboxRepository(mongo.connection),
    };
    // Before listening: the unique (orgId, externalId) index must exist before the first upsert relies on it.
    await mongo.ensureIndexes();
    const topics = [
      TOPICS.authTokens,
      TOPICS.authIntegrations,
      TOPICS.authTokenUsage,
      TOPICS.suppliers,
      TOPICS.sync,
    ];
    const { kafka, producer } = await open(
      'kafka producer',
      connectKafka({ ...kafkaOptionsFromConfig(config, SERVICE_NAME, logger), topics }),
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
    const outbox = createEventOutbox({
      producer,
      repository: stores.outbox,
      recover: createSupplierWriteRecovery(stores),
      logger,
      ...outboxTimingsFromConfig(config),
    });
    await open('relay', outbox.startRelay(), async () => {
      await outbox.stopRelay();
      await outbox.drain(2_000);
    });
    const legacy = createLegacyPendingEvents({
      connection: mongo.connection,
      outbox,
      logger,
      ...outboxTimingsFromConfig(config),
    });
    await open('events owed before the outbox', legacy.start(), () => legacy.stop());
    const suppliers = createSuppliersService({ ...stores, outbox, logger });
    return {
      routes: (app) => {
        app.use(SUPPLIERS_PATH, createSuppliersRouter({ auth, suppliers }));
        app.use(TOKEN_INFO_PATH, createTokenInfoRouter({ auth, projection: auth.projection }));
      },
      readiness: [mongo.readinessCheck, { name: 'auth-projection', check: () => auth.isReady() }],
      expose: { events: outbox, legacyEvents: legacy },
    };
  },
});
