import { Partitioners, type Message } from 'kafkajs';
import { fetchHighWatermarks } from './admin';
import { EventValidationError } from './errors';
import { kafkajsOf, toKafkajsRetry, type EventsKafka, type RetrySettings } from './kafka';
import { STATE_HEARTBEAT_KEY, stateHeartbeatSchema } from './schemas/auth-state.schemas';
import type { StateHeartbeat } from './schemas/auth-state.schemas';
import { stateKeyOf, validateTopicValue, type TopicInput, type TopicValue } from './schemas/topic-schemas';
import { STATE_SIGNATURE_HEADER, type StateSigner } from './signing';
import { TOPICS, isStateTopic, type LogicalTopic, type StateTopic } from './topics';

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
  /**
   * Sends `heartbeat` (signed, like every state message of a producer with a signer) to every partition
   * of each state topic in one request, under {@link STATE_HEARTBEAT_KEY}. Partition counts are read
   * from the broker, again at most once a minute.
   */
  publishHeartbeat(topics: readonly StateTopic[], heartbeat: StateHeartbeat): Promise<void>;
}

/** Options of {@link createProducer}. */
export interface CreateProducerOptions {
  /** Overrides the client's retry settings for sends. */
  retry?: Partial<RetrySettings>;
  /** How long the broker may take to replicate before answering. Default 30000. */
  ackTimeoutMs?: number;
  /**
   * Signs every message on a state topic (header {@link STATE_SIGNATURE_HEADER}), so that readers can
   * tell auth-service's states from anything else written to the topic. Only auth-service has one.
   */
  signer?: StateSigner;
}

/**
 * The messages as sent: each value validated against its topic's schema and key rules, then the
 * parsed value (so unknown fields of strict schemas never leave the service) with its headers.
 * @throws EventValidationError naming the first invalid message.
 */
function encode<T extends LogicalTopic>(
  kafka: EventsKafka,
  signer: StateSigner | undefined,
  topic: T,
  messages: readonly PublishMessage<T>[],
  publishOptions: PublishOptions,
): Message[] {
  return messages.map((message, index) => {
    const result = validateTopicValue(topic, message.value);
    if (!result.success) throw new EventValidationError(topic, index, result.issues);
    if (message.key.length === 0 || message.key === STATE_HEARTBEAT_KEY) {
      throw new EventValidationError(topic, index, [
        { path: '(key)', message: 'must not be empty or the heartbeat key' },
      ]);
    }
    if (isStateTopic(topic) && stateKeyOf(topic, result.value as TopicValue<typeof topic>) !== message.key) {
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
    const value = JSON.stringify(result.value);
    if (signer && isStateTopic(topic)) {
      headers[STATE_SIGNATURE_HEADER] = signer.sign(kafka.topicName(topic), message.key, value);
    }
    return { key: message.key, value, headers };
  });
}

/** How long partition counts are trusted by {@link EventProducer.publishHeartbeat}. */
const PARTITIONS_TTL_MS = 60_000;

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

  let partitions: { at: number; byTopic: Map<StateTopic, number[]> } | null = null;
  async function partitionsOf(topics: readonly StateTopic[]): Promise<Map<StateTopic, number[]>> {
    const cached = partitions;
    if (cached && Date.now() - cached.at < PARTITIONS_TTL_MS && topics.every((t) => cached.byTopic.has(t))) {
      return cached.byTopic;
    }
    const byTopic = new Map<StateTopic, number[]>();
    for (const mark of await fetchHighWatermarks(kafka, topics)) {
      const topic = mark.topic as StateTopic;
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), mark.partition]);
    }
    partitions = { at: Date.now(), byTopic };
    return byTopic;
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
      const encoded = encode(kafka, options.signer, topic, messages, publishOptions);
      await producer.send({
        topic: kafka.topicName(topic),
        messages: encoded,
        acks: -1,
        timeout: options.ackTimeoutMs ?? 30_000,
      });
    },
    async publishHeartbeat(topics, heartbeat) {
      const parsed = stateHeartbeatSchema.safeParse(heartbeat);
      if (!parsed.success) {
        throw new EventValidationError(topics[0] ?? TOPICS.authTokens, 0, [
          { path: '(heartbeat)', message: 'not a valid heartbeat' },
        ]);
      }
      const value = JSON.stringify(parsed.data);
      const byTopic = await partitionsOf(topics);
      await producer.sendBatch({
        acks: -1,
        timeout: options.ackTimeoutMs ?? 30_000,
        topicMessages: topics.map((topic) => {
          const physical = kafka.topicName(topic);
          const headers: Record<string, string> = { [CONTENT_TYPE_HEADER]: JSON_CONTENT_TYPE };
          if (options.signer)
            headers[STATE_SIGNATURE_HEADER] = options.signer.sign(physical, STATE_HEARTBEAT_KEY, value);
          return {
            topic: physical,
            messages: (byTopic.get(topic) ?? []).map((partition) => ({
              key: STATE_HEARTBEAT_KEY,
              value,
              partition,
              headers,
            })),
          };
        }),
      });
    },
  };
}
