import { Partitioners, type Message } from 'kafkajs';
import { EventValidationError } from './errors';
import { kafkajsOf, toKafkajsRetry, type EventsKafka, type RetrySettings } from './kafka';
import { stateKeyOf, validateTopicValue, type TopicInput, type TopicValue } from './schemas/topic-schemas';
import { isStateTopic, type LogicalTopic } from './topics';

/** Header carrying the id of the request that caused a message (the same header name as HTTP). */
export const CORRELATION_HEADER = 'x-request-id';
/** Header describing the value encoding. */
export const CONTENT_TYPE_HEADER = 'content-type';
/** Every value is UTF-8 JSON. */
export const JSON_CONTENT_TYPE = 'application/json';

/** One message for {@link EventProducer.publish}. */
export interface PublishMessage<T extends LogicalTopic> {
  /**
   * Partitioning (and, on state topics, compaction) key. On `auth.tokens` it must equal the value's
   * tokenId, on `auth.integrations` its integrationId; domain events use `orgId:externalId`.
   */
  key: string;
  value: TopicInput<T>;
  headers?: Record<string, string>;
}

/** Options of one {@link EventProducer.publish} call. */
export interface PublishOptions {
  /** Request id to carry in the `x-request-id` header of every message. */
  correlationId?: string;
}

/** A validating producer; see {@link createProducer}. */
export interface EventProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** True between a successful `connect()` and `disconnect()` (broker reachability is not probed). */
  isConnected(): boolean;
  /**
   * Validates every value against the topic's schema, then sends them all in one request and resolves
   * once the in-sync replicas have them. Retries (see {@link RetrySettings}) ride out a broker restart.
   * @throws EventValidationError when any message is invalid; nothing is sent then.
   */
  publish<T extends LogicalTopic>(
    topic: T,
    messages: readonly PublishMessage<T>[],
    options?: PublishOptions,
  ): Promise<void>;
}

/** Options of {@link createProducer}. */
export interface CreateProducerOptions {
  /** Overrides the client's retry settings for sends. */
  retry?: Partial<RetrySettings>;
  /** How long the broker may take to replicate before answering. Default 30000. */
  ackTimeoutMs?: number;
}

/**
 * Creates an idempotent producer (acks from all in-sync replicas, one request in flight per broker, so
 * a retried send is neither duplicated nor reordered by the broker). It never creates topics: run
 * `ensureTopics` first.
 */
export function createProducer(kafka: EventsKafka, options: CreateProducerOptions = {}): EventProducer {
  const producer = kafkajsOf(kafka).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Explicit, so kafkajs does not warn about its partitioner change; this is the Java client's
    // murmur2 partitioner, so keys land on the same partitions whatever client wrote them.
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: toKafkajsRetry({ ...kafka.retry, ...options.retry }),
  });
  let connected = false;

  function encode<T extends LogicalTopic>(
    topic: T,
    messages: readonly PublishMessage<T>[],
    publishOptions: PublishOptions,
  ): Message[] {
    return messages.map((message, index) => {
      const result = validateTopicValue(topic, message.value);
      if (!result.success) throw new EventValidationError(topic, index, result.issues);
      if (message.key.length === 0) {
        throw new EventValidationError(topic, index, [{ path: '(key)', message: 'must not be empty' }]);
      }
      if (
        isStateTopic(topic) &&
        stateKeyOf(topic, result.value as TopicValue<typeof topic>) !== message.key
      ) {
        throw new EventValidationError(topic, index, [
          { path: '(key)', message: 'must equal the id of the state it carries' },
        ]);
      }
      const headers: Record<string, string> = {
        ...message.headers,
        [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE,
      };
      if (publishOptions.correlationId) headers[CORRELATION_HEADER] = publishOptions.correlationId;
      // The parsed value is sent, so unknown fields of strict schemas never leave the service.
      return { key: message.key, value: JSON.stringify(result.value), headers };
    });
  }

  return {
    async connect() {
      await producer.connect();
      connected = true;
    },
    async disconnect() {
      connected = false;
      await producer.disconnect();
    },
    isConnected: () => connected,
    async publish(topic, messages, publishOptions = {}) {
      if (messages.length === 0) return;
      // Encoding validates everything first, so an invalid message anywhere means nothing is sent.
      const encoded = encode(topic, messages, publishOptions);
      await producer.send({
        topic: kafka.topicName(topic),
        messages: encoded,
        acks: -1,
        timeout: options.ackTimeoutMs ?? 30_000,
      });
    },
  };
}
