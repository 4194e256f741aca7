import { ensureTopics } from './admin';
import { createKafka } from './kafka';
import type { CreateKafkaOptions, EventsKafka } from './kafka';
import { createProducer } from './producer';
import type { EventProducer } from './producer';
import { TOPIC_SPECS } from './topics';
import type { StateSigner } from './signing';
import type { LogicalTopic } from './topics';

/** Options of {@link connectKafka}: the client's, plus the topics the service uses. */
export interface ConnectKafkaOptions extends CreateKafkaOptions {
  /** Every topic the service produces to or consumes from; created (or repaired) before anything else. */
  topics: readonly LogicalTopic[];
  /** Signs the producer's state messages (auth-service only); see `createProducer`. */
  signer?: StateSigner;
}

/**
 * The Kafka start of every service: the client, its topics ensured (`ensureTopics`), and a connected
 * idempotent producer. The caller owns the producer: disconnect it at shutdown, after everything that
 * publishes through it has stopped.
 */
export async function connectKafka(
  options: ConnectKafkaOptions,
): Promise<{ kafka: EventsKafka; producer: EventProducer }> {
  const { topics, signer, ...clientOptions } = options;
  const kafka = createKafka(clientOptions);
  await ensureTopics(
    kafka,
    topics.map((topic) => TOPIC_SPECS[topic]),
  );
  const producer = createProducer(kafka, signer === undefined ? {} : { signer });
  await producer.connect();
  return { kafka, producer };
}
