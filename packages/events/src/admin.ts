import { ConfigResourceTypes, type Admin } from 'kafkajs';
import { chunks } from './chunks';
import { kafkajsOf, toKafkajsRetry, type EventsKafka } from './kafka';
import { TOPIC_SPECS, type LogicalTopic, type TopicSpec } from './topics';

async function withAdmin<T>(kafka: EventsKafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafkajsOf(kafka).admin({ retry: toKafkajsRetry(kafka.retry) });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Options of {@link ensureTopics}. */
export interface EnsureTopicsOptions {
  /** Replication factor of created topics. Default -1: the broker's `default.replication.factor`. */
  replicationFactor?: number;
}

/** What {@link ensureTopics} did. */
export interface EnsureTopicsResult {
  /** Topics that did not exist and were created with their spec. */
  created: LogicalTopic[];
  /** Compacted topics that existed with another cleanup policy and were reconfigured. */
  repaired: LogicalTopic[];
}

/**
 * Creates the topics that are missing, with their partition count and config, and makes sure every
 * topic whose spec says `cleanup.policy=compact` really is compacted. Safe to call from every service
 * at start, concurrently: a topic created meanwhile by someone else counts as existing.
 *
 * A compacted topic found with another policy (typically auto-created by some client with broker
 * defaults) is reconfigured with its spec, because a state topic under `delete` would silently lose
 * token states after the retention period. The reconfiguration uses AlterConfigs, which replaces all
 * of that topic's overrides with the spec's entries.
 *
 * Producers and consumers of this package never auto-create topics, so call this before them.
 */
export async function ensureTopics(
  kafka: EventsKafka,
  specs: readonly TopicSpec[] = Object.values(TOPIC_SPECS),
  options: EnsureTopicsOptions = {},
): Promise<EnsureTopicsResult> {
  return withAdmin(kafka, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(kafka.topicName(spec.topic)));
    if (missing.length > 0) {
      const topics = missing.map((spec) => ({
        topic: kafka.topicName(spec.topic),
        numPartitions: spec.numPartitions,
        replicationFactor: options.replicationFactor ?? -1,
        configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
      }));
      // createTopics returns false instead of throwing when another process created them first. A
      // broker that has just started may answer the leader wait with "does not host this
      // topic-partition" for a moment, which kafkajs does not retry; a retry finds the topics created.
      await retryRetriable(() => admin.createTopics({ waitForLeaders: true, topics }));
      // Ready means readable: every new partition answers ListOffsets, which consumers ask first.
      for (const { topic } of topics) await retryRetriable(() => admin.fetchTopicOffsets(topic));
    }

    const repaired: LogicalTopic[] = [];
    const compacted = specs.filter((spec) => spec.config['cleanup.policy'] === 'compact');
    if (compacted.length > 0) {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: compacted.map((spec) => ({
          type: ConfigResourceTypes.TOPIC,
          name: kafka.topicName(spec.topic),
          configNames: ['cleanup.policy'],
        })),
      });
      for (const spec of compacted) {
        const resource = described.resources.find((r) => r.resourceName === kafka.topicName(spec.topic));
        const policy = resource?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue;
        if (policy === 'compact') continue;
        kafka.logger.warn(
          { topic: kafka.topicName(spec.topic), cleanupPolicy: policy },
          'state topic is not compacted; applying its configuration',
        );
        await admin.alterConfigs({
          validateOnly: false,
          resources: [
            {
              type: ConfigResourceTypes.TOPIC,
              name: kafka.topicName(spec.topic),
              configEntries: Object.entries(spec.config).map(([name, value]) => ({ name, value })),
            },
          ],
        });
        repaired.push(spec.topic);
      }
    }
    return { created: missing.map((spec) => spec.topic), repaired };
  });
}

/**
 * The effective configuration of a topic (overrides and defaults), e.g. `{'cleanup.policy': 'compact'}`.
 */
export async function describeTopicConfig(
  kafka: EventsKafka,
  topic: LogicalTopic,
): Promise<Record<string, string>> {
  return withAdmin(kafka, async (admin) => {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: kafka.topicName(topic) }],
    });
    const entries = described.resources[0]?.configEntries ?? [];
    return Object.fromEntries(entries.map((e) => [e.configName, e.configValue]));
  });
}

/** Offsets of one partition: `low` is the first offset still stored, `high` the next one to be written. */
export interface PartitionWatermark {
  topic: LogicalTopic;
  partition: number;
  low: string;
  high: string;
}

/**
 * The current low and high watermarks of every partition of the given topics. A reader that has
 * consumed every partition up to `high` has seen everything written before this call.
 */
export async function fetchHighWatermarks(
  kafka: EventsKafka,
  topics: readonly LogicalTopic[],
): Promise<PartitionWatermark[]> {
  return withAdmin(kafka, async (admin) => {
    const result: PartitionWatermark[] = [];
    for (const topic of topics) {
      const offsets = await retryRetriable(() => admin.fetchTopicOffsets(kafka.topicName(topic)));
      for (const o of offsets) result.push({ topic, partition: o.partition, low: o.low, high: o.high });
    }
    return result;
  });
}

/**
 * Retries a call that failed with a retriable broker error. Right after a topic is created the broker
 * may still answer "not the leader for that topic-partition" to a ListOffsets request for a moment,
 * and kafkajs' admin does not retry that one itself.
 */
async function retryRetriable<T>(fn: () => Promise<T>, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      const retriable = (error as { retriable?: unknown }).retriable === true;
      if (!retriable || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50 * attempt, 500)));
    }
  }
}

/** The committed offset of one partition for a consumer group: the next offset the group will read. */
export interface CommittedOffset {
  topic: LogicalTopic;
  partition: number;
  /** `null` when the group has committed nothing on this partition yet. */
  offset: string | null;
}

/**
 * The offsets a consumer group (logical id, as given to `createConsumer`) has committed on the given
 * topics. With {@link fetchHighWatermarks} taken at start, it tells when a group shared by several
 * replicas has processed everything written before that moment, whichever replica processed it.
 */
export async function fetchCommittedOffsets(
  kafka: EventsKafka,
  groupId: string,
  topics: readonly LogicalTopic[],
): Promise<CommittedOffset[]> {
  return withAdmin(kafka, async (admin) => {
    const answer = await retryRetriable(() =>
      admin.fetchOffsets({
        groupId: kafka.groupName(groupId),
        topics: topics.map((t) => kafka.topicName(t)),
      }),
    );
    const result: CommittedOffset[] = [];
    for (const entry of answer) {
      const topic = kafka.logicalTopic(entry.topic);
      if (topic === null) continue;
      for (const p of entry.partitions) {
        result.push({ topic, partition: p.partition, offset: Number(p.offset) < 0 ? null : p.offset });
      }
    }
    return result;
  });
}

/**
 * Deletes every topic whose full name starts with one of `prefixes` and returns their names: the
 * topics of a retired environment (its `KAFKA_TOPIC_PREFIX`) or of finished test suites, which a
 * broker would otherwise keep, with their partitions' memory and files, for ever.
 * @throws Error when a prefix is empty, which would name every topic.
 */
export async function deleteTopicsWithPrefixes(
  kafka: EventsKafka,
  prefixes: readonly string[],
): Promise<string[]> {
  if (prefixes.some((prefix) => prefix.length === 0)) throw new Error('a topic prefix to delete is empty');
  if (prefixes.length === 0) return [];
  return withAdmin(kafka, async (admin) => {
    const doomed = (await admin.listTopics()).filter((topic) => prefixes.some((p) => topic.startsWith(p)));
    // One request per 100 topics keeps each within the broker's request size and timeout.
    for (const topics of chunks(doomed, 100)) await admin.deleteTopics({ topics, timeout: 30_000 });
    return doomed;
  });
}
