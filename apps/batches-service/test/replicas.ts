import { TOPICS, connectKafka } from '@eudr/events';
import type { EventProducer } from '@eudr/events';
import { connectMongo, createLogger } from '@eudr/service-kit';
import type { MongoConnection } from '@eudr/service-kit';
import type { TestScope } from '@eudr/testkit';
import { createStores, createUseCases } from '../src/use-cases';
import type { Stores, UseCases } from '../src/use-cases';

/**
 * One replica of batches-service's storage and use cases, as `startBatchesService` wires them: its own
 * MongoDB connection, producer, outbox and services, sharing only the database and the broker with
 * the others. Nothing in one replica can serialize another's writes.
 */
export interface Replica extends UseCases {
  stores: Stores;
  close(): Promise<void>;
}

/** Starts a replica on the scope's database and topics; the relay runs only when asked. */
export async function startReplica(
  scope: TestScope,
  name: string,
  options: { relayMinAgeMs?: number } = {},
): Promise<Replica> {
  const logger = createLogger({ service: name, level: 'silent' });
  const mongo: MongoConnection = await connectMongo(scope.mongoUrl, { logger });
  let producer: EventProducer | undefined;
  try {
    const stores = createStores(mongo.connection);
    await mongo.ensureIndexes();
    ({ producer } = await connectKafka({
      brokers: scope.kafkaBrokers,
      clientId: name,
      topicPrefix: scope.topicPrefix,
      logger,
      topics: [TOPICS.products, TOPICS.batches, TOPICS.dds, TOPICS.sync],
    }));
    const useCases = createUseCases(stores, {
      producer,
      logger,
      publishTimeoutMs: 2_000,
      relayIntervalMs: 60_000,
      relayMinAgeMs: options.relayMinAgeMs ?? 60_000,
    });
    const connected = producer;
    return {
      ...useCases,
      stores,
      async close() {
        await useCases.outbox.stopRelay();
        await useCases.outbox.drain(2_000);
        await connected.disconnect();
        await mongo.close();
      },
    };
  } catch (err) {
    await producer?.disconnect();
    await mongo.close();
    throw err;
  }
}
