import { Kafka, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { createPinoLogCreator, kafkaLogLevelFor } from './kafka-logger';
import { applyTopicPrefix, stripTopicPrefix, validateTopicPrefix, type LogicalTopic } from './topics';

/** Backoff between attempts: exponential from `initialRetryTimeMs`, capped at `maxRetryTimeMs`. */
export interface RetrySettings {
  initialRetryTimeMs: number;
  maxRetryTimeMs: number;
  /** Attempts after the first one. */
  retries: number;
}

/**
 * Rides out a broker restart: quick exponential backoff from 300 ms, then one attempt every 5 s, so a
 * client notices a returning broker within seconds. The bound makes a publish during a long outage
 * fail (the outbox relay then takes over) instead of hanging: kafkajs nests a connection retry loop
 * inside the send retry loop, so with these settings a publish gives up after roughly 70 s.
 */
export const DEFAULT_RETRY: Readonly<RetrySettings> = {
  initialRetryTimeMs: 300,
  maxRetryTimeMs: 5_000,
  retries: 10,
};

/** Options of {@link createKafka}. */
export interface CreateKafkaOptions {
  /** `host:port` strings. */
  brokers: string[];
  /** Identifies the service in broker logs and quotas, e.g. `suppliers-service`. */
  clientId: string;
  /**
   * Prepended to every topic and consumer group name (e.g. `staging.`, or a unique prefix per test
   * suite). Applied here and nowhere else. Default: none.
   */
  topicPrefix?: string;
  /** kafkajs logs go here, at the level this logger is set to. */
  logger: Logger;
  /** Default {@link DEFAULT_RETRY}. */
  retry?: Partial<RetrySettings>;
  /** Time to establish a TCP connection. Default 3000. */
  connectionTimeoutMs?: number;
  /** Time to wait for a broker's answer. Default 30000. */
  requestTimeoutMs?: number;
  /** TLS to the brokers: `true` trusts the system's CAs, `{ca}` (PEM) trusts those CAs instead. Default off. */
  tls?: boolean | { ca: string };
  /** SASL authentication (over TLS, or plaintext on a private network). Default none. */
  sasl?: KafkaSasl;
}

/** The SASL mechanisms the client speaks. */
export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** SASL credentials of the client. */
export interface KafkaSasl {
  mechanism: (typeof KAFKA_SASL_MECHANISMS)[number];
  username: string;
  password: string;
}

/**
 * A configured Kafka client: brokers, client id, topic prefix and logger. Pass it to
 * `createProducer`, `createConsumer`, `createStateReader`, `ensureTopics`, `fetchHighWatermarks`.
 * Creating it opens no connection.
 */
export interface EventsKafka {
  readonly clientId: string;
  readonly topicPrefix: string;
  readonly logger: Logger;
  readonly retry: Readonly<RetrySettings>;
  /** The physical topic name for a logical one. */
  topicName(topic: LogicalTopic): string;
  /** The logical topic for a physical name, or null when it is not one of ours under this prefix. */
  logicalTopic(physical: string): LogicalTopic | null;
  /** The physical consumer group id for a logical one (groups are isolated by the same prefix). */
  groupName(groupId: string): string;
}

// The kafkajs instance stays private to this package so that its types never leak to callers.
const clients = new WeakMap<EventsKafka, Kafka>();

/** @internal The kafkajs client behind an {@link EventsKafka}. */
export function kafkajsOf(kafka: EventsKafka): Kafka {
  const client = clients.get(kafka);
  if (!client) throw new Error('not a client made by createKafka');
  return client;
}

/** @internal kafkajs's retry options from ours. */
export function toKafkajsRetry(retry: RetrySettings) {
  return {
    initialRetryTime: retry.initialRetryTimeMs,
    maxRetryTime: retry.maxRetryTimeMs,
    retries: retry.retries,
    factor: 0.2,
    multiplier: 2,
  };
}

// kafkajs types SASL options per mechanism, so a union-typed mechanism is narrowed here.
function toKafkajsSasl({ mechanism, username, password }: KafkaSasl): SASLOptions {
  switch (mechanism) {
    case 'plain':
      return { mechanism, username, password };
    case 'scram-sha-256':
      return { mechanism, username, password };
    case 'scram-sha-512':
      return { mechanism, username, password };
  }
}

/**
 * Creates the Kafka client wrapper. kafkajs logs are forwarded to `logger`; retries follow
 * {@link DEFAULT_RETRY} unless overridden.
 * @throws Error when the topic prefix holds characters Kafka does not allow.
 */
export function createKafka(options: CreateKafkaOptions): EventsKafka {
  if (options.brokers.length === 0) throw new Error('at least one Kafka broker is required');
  const topicPrefix = validateTopicPrefix(options.topicPrefix ?? '');
  const retry: RetrySettings = { ...DEFAULT_RETRY, ...options.retry };
  const client = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: toKafkajsRetry(retry),
    logLevel: kafkaLogLevelFor(options.logger.level),
    logCreator: createPinoLogCreator(options.logger),
    ...(options.tls === undefined || options.tls === false
      ? {}
      : { ssl: options.tls === true ? true : { ca: [options.tls.ca] } }),
    ...(options.sasl === undefined ? {} : { sasl: toKafkajsSasl(options.sasl) }),
  });
  if (options.sasl?.mechanism === 'plain' && !options.tls) {
    options.logger.warn(
      'Kafka SASL PLAIN without TLS sends the password in clear: use it on a private network only',
    );
  }
  const kafka: EventsKafka = {
    clientId: options.clientId,
    topicPrefix,
    logger: options.logger,
    retry,
    topicName: (topic) => applyTopicPrefix(topicPrefix, topic),
    logicalTopic: (physical) => stripTopicPrefix(topicPrefix, physical),
    groupName: (groupId) => `${topicPrefix}${groupId}`,
  };
  clients.set(kafka, client);
  return kafka;
}
