import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import { fetchHighWatermarks } from './admin';
import type { PartitionWatermark } from './admin';
import { createCaughtUpTracker, type CaughtUpTracker, type LaggingPartition } from './caught-up';
import { EventHandlerError } from './errors';
import { kafkajsOf, toKafkajsRetry, type EventsKafka, type RetrySettings } from './kafka';
import type { Logger } from 'pino';
import { CORRELATION_HEADER } from './producer';
import { STATE_HEARTBEAT_KEY, stateHeartbeatSchema } from './schemas/auth-state.schemas';
import type { StateHeartbeat } from './schemas/auth-state.schemas';
import {
  toValidationIssues,
  validateTopicValue,
  type TopicValue,
  type ValidationIssue,
} from './schemas/topic-schemas';
import { isStateTopic, type LogicalTopic, type StateTopic } from './topics';

/**
 * One decoded, validated message. On the compacted state topics `value` is null for a tombstone
 * (the key was deleted); elsewhere it is always a valid value.
 */
export interface ConsumedMessage<T extends LogicalTopic> {
  /** The logical topic (without prefix). */
  topic: T;
  partition: number;
  offset: string;
  key: string | null;
  value: T extends StateTopic ? TopicValue<T> | null : TopicValue<T>;
  /** Header values as UTF-8 strings (the first one when a header repeats). */
  headers: Record<string, string>;
  /** The `x-request-id` header, when the producer set one. */
  correlationId?: string;
  /** Broker or producer timestamp, milliseconds since the epoch, as a string. */
  timestamp: string;
  /** The value exactly as received (UTF-8), e.g. to check a signature over it; null for a tombstone. */
  rawValue: string | null;
}

/** A heartbeat read from a state topic (key `~heartbeat`); never passed to message handlers. */
export interface ConsumedHeartbeat {
  topic: StateTopic;
  partition: number;
  offset: string;
  value: StateHeartbeat;
  headers: Record<string, string>;
  rawValue: string;
}

/** A consumed message of any of the topics `T`, discriminated on `topic`. */
export type AnyConsumedMessage<T extends LogicalTopic> = { [K in T]: ConsumedMessage<K> }[T];

interface ConsumerOptionsBase<T extends LogicalTopic> {
  /** Logical group id; the client's topic prefix is prepended. */
  groupId: string;
  topics: readonly T[];
  /** Where a group without committed offsets starts. Default false (only new messages). */
  fromBeginning?: boolean;
  /** Commit processed offsets. Default true; readers that always start from the beginning turn it off. */
  autoCommit?: boolean;
  /** Longest a fetch waits for data; also the longest gap between fetches when idle. Default 1000. */
  maxWaitTimeMs?: number;
  /** Partitions handled in parallel (order is kept within a partition). Default 1. */
  partitionsConsumedConcurrently?: number;
  /** Backoff for redelivering after a handler error; defaults to the client's settings. */
  retry?: Partial<RetrySettings>;
  /** Called when every message of a partition before `nextOffset` has been handled or skipped. */
  onProgress?: (topic: T, partition: number, nextOffset: string) => void;
  /**
   * Called with the valid heartbeats of a fetched batch of a state topic, in order, once the batch's
   * messages before them have been handled. Without it heartbeats are passed over silently.
   */
  onHeartbeats?: (heartbeats: ConsumedHeartbeat[]) => void;
}

/** Options of {@link createConsumer}: exactly one of `handler` and `batchHandler`. */
export type CreateConsumerOptions<T extends LogicalTopic> = ConsumerOptionsBase<T> &
  (
    | {
        /** Called once per valid message, in order within a partition. */
        handler: (message: AnyConsumedMessage<T>) => Promise<void>;
        batchHandler?: never;
      }
    | {
        /**
         * Called with the valid messages of one fetched batch of one partition, in order. If it
         * throws, the whole batch is redelivered.
         */
        batchHandler: (messages: AnyConsumedMessage<T>[]) => Promise<void>;
        handler?: never;
      }
  );

/** Counters of a consumer since it was created. */
export interface ConsumerStats {
  handled: number;
  skipped: number;
  handlerErrors: number;
}

/** A validating consumer; see {@link createConsumer}. */
export interface EventConsumer {
  /** The physical group id. */
  readonly groupId: string;
  /** Connects, subscribes and starts consuming; resolves once the consumer has joined its group. */
  start(): Promise<void>;
  /** Stops fetching; stays connected. */
  stop(): Promise<void>;
  /** Leaves the group and closes connections. */
  disconnect(): Promise<void>;
  /** False before `start()`, after `stop()`/`disconnect()`, and after a crash the client gave up on. */
  isRunning(): boolean;
  /** Milliseconds since the last fetch answered by a broker (Infinity before the first one). */
  msSinceLastFetch(): number;
  stats(): ConsumerStats;
}

function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

type Decoded<T extends LogicalTopic> =
  | { ok: true; message: AnyConsumedMessage<T> }
  | { ok: true; heartbeat: ConsumedHeartbeat }
  | { ok: false; reason: string; issues?: ValidationIssue[] };

function decodeMessage<T extends LogicalTopic>(
  topic: T,
  partition: number,
  message: KafkaMessage,
): Decoded<T> {
  const headers = decodeHeaders(message.headers);
  const base = {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString(),
    headers,
    timestamp: message.timestamp,
    ...(headers[CORRELATION_HEADER] ? { correlationId: headers[CORRELATION_HEADER] } : {}),
  };
  const heartbeat = isStateTopic(topic) && base.key === STATE_HEARTBEAT_KEY;
  if (message.value === null) {
    if (!isStateTopic(topic)) return { ok: false, reason: 'tombstone on a topic that is not compacted' };
    if (base.key === null) return { ok: false, reason: 'tombstone without a key' };
    if (heartbeat) return { ok: false, reason: 'tombstone of the heartbeat key' };
    return {
      ok: true,
      message: { ...base, value: null, rawValue: null } as unknown as AnyConsumedMessage<T>,
    };
  }
  const rawValue = message.value.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawValue);
  } catch {
    // The parser's message quotes the input, which may hold a secret; say only what kind of failure.
    return { ok: false, reason: 'value is not valid JSON' };
  }
  if (heartbeat) {
    // The key decides the kind: a heartbeat never passes for a state, nor a state for a heartbeat.
    const beat = stateHeartbeatSchema.safeParse(parsed);
    if (!beat.success) {
      return {
        ok: false,
        reason: 'heartbeat does not match its schema',
        issues: toValidationIssues(beat.error),
      };
    }
    return {
      ok: true,
      heartbeat: { topic, partition, offset: message.offset, value: beat.data, headers, rawValue },
    };
  }
  const result = validateTopicValue(topic, parsed);
  if (!result.success) {
    return { ok: false, reason: 'value does not match the topic schema', issues: result.issues };
  }
  return {
    ok: true,
    message: { ...base, value: result.value, rawValue } as unknown as AnyConsumedMessage<T>,
  };
}

/** What a consumer's batch handling shares: its client, logger and counters. */
interface BatchContext {
  kafka: EventsKafka;
  logger: Logger;
  stats: ConsumerStats;
}

/** The message when valid; a heartbeat goes to `heartbeats`, an invalid message is counted and logged. */
function decodeOrSkip<T extends LogicalTopic>(
  { kafka, logger, stats }: BatchContext,
  topic: T,
  partition: number,
  message: KafkaMessage,
  heartbeats: ConsumedHeartbeat[],
): AnyConsumedMessage<T> | null {
  const decoded = decodeMessage(topic, partition, message);
  if (decoded.ok) {
    if ('message' in decoded) return decoded.message;
    heartbeats.push(decoded.heartbeat);
    return null;
  }
  stats.skipped += 1;
  logger.warn(
    {
      topic: kafka.topicName(topic),
      partition,
      offset: message.offset,
      reason: decoded.reason,
      issues: decoded.issues,
    },
    'skipping invalid message',
  );
  return null;
}

/** Runs a handler; its error is counted, logged and rethrown, so the message is redelivered. */
async function guarded(
  { kafka, logger, stats }: BatchContext,
  topic: LogicalTopic,
  partition: number,
  offset: string,
  fn: () => Promise<void>,
): Promise<void> {
  try {
    await fn();
  } catch (err) {
    stats.handlerErrors += 1;
    logger.error(
      { err, topic: kafka.topicName(topic), partition, offset },
      'event handler failed; the message will be redelivered',
    );
    throw new EventHandlerError(topic, partition, offset, { cause: err });
  }
}

/** One message at a time: each offset is resolved once its handler succeeded. False when interrupted. */
async function handleEach<T extends LogicalTopic>(
  ctx: BatchContext,
  topic: T,
  payload: EachBatchPayload,
  handler: (message: AnyConsumedMessage<T>) => Promise<void>,
  heartbeats: ConsumedHeartbeat[],
): Promise<boolean> {
  const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
  for (const message of batch.messages) {
    if (!isRunning() || isStale()) return false;
    const decoded = decodeOrSkip(ctx, topic, batch.partition, message, heartbeats);
    if (decoded) {
      await guarded(ctx, topic, batch.partition, message.offset, () => handler(decoded));
      ctx.stats.handled += 1;
    }
    resolveOffset(message.offset);
    await heartbeat();
  }
  return true;
}

/** The batch's valid messages at once: its offsets are resolved once the handler succeeded. */
async function handleBatch<T extends LogicalTopic>(
  ctx: BatchContext,
  topic: T,
  payload: EachBatchPayload,
  batchHandler: (messages: AnyConsumedMessage<T>[]) => Promise<void>,
  heartbeats: ConsumedHeartbeat[],
): Promise<boolean> {
  const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
  const decoded: AnyConsumedMessage<T>[] = [];
  for (const message of batch.messages) {
    const one = decodeOrSkip(ctx, topic, batch.partition, message, heartbeats);
    if (one) decoded.push(one);
  }
  if (!isRunning() || isStale()) return false;
  const first = batch.messages[0]?.offset ?? batch.lastOffset();
  if (decoded.length > 0) {
    await guarded(ctx, topic, batch.partition, first, () => batchHandler(decoded));
    ctx.stats.handled += decoded.length;
  }
  const last = batch.messages[batch.messages.length - 1];
  if (last) resolveOffset(last.offset);
  await heartbeat();
  return true;
}

/**
 * The `eachBatch` of {@link createConsumer}: the valid messages to the handler, offsets resolved as
 * they are handled, then the batch's heartbeats and progress reported.
 */
function batchHandlerFor<T extends LogicalTopic>(
  ctx: BatchContext,
  options: CreateConsumerOptions<T>,
): (payload: EachBatchPayload) => Promise<void> {
  return async (payload) => {
    const { batch } = payload;
    const topic = ctx.kafka.logicalTopic(batch.topic) as T | null;
    if (topic === null) throw new Error(`received a message from unexpected topic ${batch.topic}`);
    const heartbeats: ConsumedHeartbeat[] = [];
    const done = options.handler
      ? await handleEach(ctx, topic, payload, options.handler, heartbeats)
      : await handleBatch(ctx, topic, payload, options.batchHandler, heartbeats);
    if (!done) return;
    if (heartbeats.length > 0) options.onHeartbeats?.(heartbeats);
    // lastOffset() covers trailing records kafkajs filtered out (control records).
    options.onProgress?.(topic, batch.partition, (BigInt(batch.lastOffset()) + 1n).toString());
  };
}

/**
 * Creates a consumer that decodes JSON and validates every value with its topic's schema.
 *
 * - A message that is not JSON or does not match the schema is logged (topic, partition, offset and
 *   the validation issues; never the value, which may hold a secret) and skipped: the consumer moves
 *   on and the partition never blocks on it.
 * - A handler error is logged and the message is redelivered, in order, until the handler succeeds:
 *   first with the retry backoff, then by restarting the consumer (which resumes from the last
 *   processed offset). Skipping a message the handler could not apply would lose a change for good,
 *   e.g. a revocation, so the partition waits. A handler that considers a message permanently
 *   unusable should log it and return normally.
 * - `msSinceLastFetch()` measures how fresh the consumer's view is, for staleness checks.
 *
 * Topics are never auto-created: run `ensureTopics` first.
 */
export function createConsumer<T extends LogicalTopic>(
  kafka: EventsKafka,
  options: CreateConsumerOptions<T>,
): EventConsumer {
  const groupId = kafka.groupName(options.groupId);
  const logger = kafka.logger.child({ component: 'events-consumer', groupId });
  const consumer = kafkajsOf(kafka).consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 1_000,
    retry: {
      ...toKafkajsRetry({ ...kafka.retry, ...options.retry }),
      // Restart after retries are exhausted, whatever the error: a consumer that silently stops
      // would leave its service serving stale data.
      restartOnFailure: async () => true,
    },
  });
  const stats: ConsumerStats = { handled: 0, skipped: 0, handlerErrors: 0 };
  let running = false;
  let lastFetchAt: number | null = null;

  consumer.on(consumer.events.FETCH, () => {
    lastFetchAt = Date.now();
  });
  consumer.on(consumer.events.CRASH, (event) => {
    const { error, restart } = event.payload;
    if (restart) {
      // Transient (a broker restarting, a coordinator loading): kafkajs rejoins after a backoff.
      logger.warn({ err: error }, 'consumer interrupted; restarting');
    } else {
      running = false;
      logger.error({ err: error }, 'consumer stopped after an error it cannot recover from');
    }
  });
  // A batch holding only control records never reaches eachBatch, but still moves the position.
  consumer.on(consumer.events.END_BATCH_PROCESS, (event) => {
    const { topic: physical, partition, batchSize, lastOffset } = event.payload;
    const topic = kafka.logicalTopic(physical);
    if (batchSize === 0 && topic !== null && options.onProgress) {
      options.onProgress(topic as T, partition, (BigInt(lastOffset) + 1n).toString());
    }
  });

  const eachBatch = batchHandlerFor({ kafka, logger, stats }, options);

  return {
    groupId,
    async start() {
      await consumer.connect();
      await consumer.subscribe({
        topics: options.topics.map((topic) => kafka.topicName(topic)),
        fromBeginning: options.fromBeginning ?? false,
      });
      // Set before run(): a crash while joining reports itself through the CRASH event.
      running = true;
      try {
        await consumer.run({
          autoCommit: options.autoCommit ?? true,
          // Offsets are resolved per message, so a redelivery after a handler error starts at the failed one.
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
          eachBatch,
        });
      } catch (err) {
        running = false;
        throw err;
      }
    },
    async stop() {
      running = false;
      await consumer.stop();
    },
    async disconnect() {
      running = false;
      await consumer.disconnect();
    },
    isRunning: () => running,
    msSinceLastFetch: () => (lastFetchAt === null ? Infinity : Date.now() - lastFetchAt),
    stats: () => ({ ...stats }),
  };
}

/** Options of {@link createStateReader}. */
export type CreateStateReaderOptions<T extends LogicalTopic> = Omit<
  ConsumerOptionsBase<T>,
  'groupId' | 'fromBeginning' | 'autoCommit' | 'onProgress'
> & {
  /** Names the reader in its group id and logs, e.g. `token-projection`. */
  name: string;
} & (
    | { handler: (message: AnyConsumedMessage<T>) => Promise<void>; batchHandler?: never }
    | { batchHandler: (messages: AnyConsumedMessage<T>[]) => Promise<void>; handler?: never }
  );

/** A reader of whole topics; see {@link createStateReader}. */
export interface StateReader<T extends LogicalTopic = LogicalTopic> {
  /** The physical, unique group id. */
  readonly groupId: string;
  /** Reads the high watermarks, then starts consuming from the beginning. */
  start(): Promise<void>;
  /** True once every partition has been read up to the high watermark seen at start. */
  isCaughtUp(): boolean;
  /** Resolves once caught up; rejects if the reader is disconnected first. */
  whenCaughtUp(): Promise<void>;
  /** The partitions still behind their start mark. */
  lagging(): LaggingPartition[];
  /** Every partition of the topics, as found at start (empty before). */
  partitions(): { topic: T; partition: number }[];
  /** Milliseconds since the last fetch answered by a broker (Infinity before the first one). */
  msSinceLastFetch(): number;
  isRunning(): boolean;
  stats(): ConsumerStats;
  stop(): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * A "read everything" consumer for compacted state topics, as every replica's token projection needs:
 * each instance uses its own fresh consumer group (so every replica sees every message, rather than
 * sharing partitions), starts from the beginning and commits nothing (the next start reads everything
 * again anyway). At start it records the high watermarks, and reports caught up once it has consumed
 * every partition up to them, which is when an in-memory projection built from it is complete.
 *
 * Limitation: a partition whose last records were all removed by compaction (only possible for
 * tombstones older than `delete.retention.ms`) cannot be observed reaching its mark.
 */
export function createStateReader<T extends LogicalTopic>(
  kafka: EventsKafka,
  options: CreateStateReaderOptions<T>,
): StateReader<T> {
  let tracker: CaughtUpTracker | null = null;
  let marks: readonly PartitionWatermark[] = [];
  let settle: { resolve: () => void; reject: (err: Error) => void } | null = null;
  const caughtUp = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Nobody may be waiting; an unobserved rejection must not crash the process.
  caughtUp.catch(() => undefined);
  const logger = kafka.logger.child({ component: 'events-state-reader', reader: options.name });

  const checkCaughtUp = () => {
    if (tracker?.isCaughtUp() && settle) {
      logger.info('state reader caught up');
      settle.resolve();
      settle = null;
    }
  };

  const base = {
    groupId: `${options.name}.${hostname()}.${randomUUID()}`,
    topics: options.topics,
    fromBeginning: true,
    autoCommit: false,
    onProgress: (topic: T, partition: number, nextOffset: string) => {
      tracker?.advance(topic, partition, nextOffset);
      checkCaughtUp();
    },
    ...(options.maxWaitTimeMs === undefined ? {} : { maxWaitTimeMs: options.maxWaitTimeMs }),
    ...(options.partitionsConsumedConcurrently === undefined
      ? {}
      : { partitionsConsumedConcurrently: options.partitionsConsumedConcurrently }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.onHeartbeats === undefined ? {} : { onHeartbeats: options.onHeartbeats }),
  };
  const consumer = options.handler
    ? createConsumer(kafka, { ...base, handler: options.handler })
    : createConsumer(kafka, { ...base, batchHandler: options.batchHandler });

  return {
    groupId: consumer.groupId,
    async start() {
      marks = await fetchHighWatermarks(kafka, options.topics);
      tracker = createCaughtUpTracker(marks);
      checkCaughtUp();
      await consumer.start();
    },
    isCaughtUp: () => tracker?.isCaughtUp() ?? false,
    whenCaughtUp: () => caughtUp,
    lagging: () => tracker?.lagging() ?? [],
    partitions: () => marks.map((mark) => ({ topic: mark.topic as T, partition: mark.partition })),
    msSinceLastFetch: () => consumer.msSinceLastFetch(),
    isRunning: () => consumer.isRunning(),
    stats: () => consumer.stats(),
    stop: () => consumer.stop(),
    async disconnect() {
      const pending = settle as { reject: (err: Error) => void } | null;
      if (pending) {
        pending.reject(new Error('state reader disconnected before it caught up'));
        settle = null;
      }
      await consumer.disconnect();
    },
  };
}
