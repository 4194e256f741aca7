/**
 * Logical topic names. Every API of this package takes these names; the client adds the configured
 * prefix (see {@link applyTopicPrefix}) so that tests and environments can share one cluster.
 */
export const TOPICS = {
  authTokens: 'auth.tokens',
  authIntegrations: 'auth.integrations',
  authTokenUsage: 'auth.token-usage',
  suppliers: 'suppliers',
  products: 'products',
  batches: 'batches',
  dds: 'dds',
  sync: 'sync',
  /** Token lifecycle events (`token.expiring`, `token.expired`, `token.leaked`); not the state topic `auth.tokens`. */
  tokens: 'tokens',
} as const;

/** A logical topic name, e.g. `'auth.tokens'`. */
export type LogicalTopic = (typeof TOPICS)[keyof typeof TOPICS];

/** Topics whose value is the full current state of the key; compacted, tombstones allowed. */
export type StateTopic = typeof TOPICS.authTokens | typeof TOPICS.authIntegrations;

/** Topics carrying domain change events (envelope with a `type`). */
export type DomainTopic =
  | typeof TOPICS.suppliers
  | typeof TOPICS.products
  | typeof TOPICS.batches
  | typeof TOPICS.dds
  | typeof TOPICS.sync
  | typeof TOPICS.tokens;

/** Every logical topic, in a stable order. */
export const ALL_TOPICS: readonly LogicalTopic[] = Object.values(TOPICS);

/** The compacted state topics. */
export const STATE_TOPICS: readonly StateTopic[] = [TOPICS.authTokens, TOPICS.authIntegrations];

/** The domain event topics. */
export const DOMAIN_TOPICS: readonly DomainTopic[] = [
  TOPICS.suppliers,
  TOPICS.products,
  TOPICS.batches,
  TOPICS.dds,
  TOPICS.sync,
  TOPICS.tokens,
];

/** True when `name` is one of the logical topic names. */
export function isLogicalTopic(name: string): name is LogicalTopic {
  return (ALL_TOPICS as readonly string[]).includes(name);
}

/** True for the compacted state topics (`auth.tokens`, `auth.integrations`). */
export function isStateTopic(topic: LogicalTopic): topic is StateTopic {
  return (STATE_TOPICS as readonly string[]).includes(topic);
}

/** How a topic is created: partition count and topic-level configuration overrides. */
export interface TopicSpec {
  topic: LogicalTopic;
  numPartitions: number;
  /** Topic-level config entries, exactly as Kafka names them. */
  config: Readonly<Record<string, string>>;
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/*
 * Compaction only looks at closed segments, and only once the dirty share passes the ratio. With the
 * broker defaults (7-day segments, ratio 0.5) a low-traffic state topic would keep every superseded
 * token state for a week, so a replica starting up would replay all of them. One-hour segments, a
 * low dirty ratio and a one-day upper bound on the compaction lag make the cleaner actually run.
 * Tombstones stay readable for a day so a replica that is briefly behind still sees the deletion.
 */
const COMPACTED_CONFIG = {
  'cleanup.policy': 'compact',
  'min.cleanable.dirty.ratio': '0.1',
  'segment.ms': String(HOUR_MS),
  'max.compaction.lag.ms': String(DAY_MS),
  'delete.retention.ms': String(DAY_MS),
} as const;

function deleteConfig(retentionMs: number): Record<string, string> {
  return { 'cleanup.policy': 'delete', 'retention.ms': String(retentionMs) };
}

/**
 * Creation settings per logical topic. Domain topics keep a week of events (consumers that were down
 * for a weekend catch up); usage reports are folded within seconds, so a day is plenty.
 */
export const TOPIC_SPECS: Readonly<Record<LogicalTopic, TopicSpec>> = {
  [TOPICS.authTokens]: { topic: TOPICS.authTokens, numPartitions: 3, config: COMPACTED_CONFIG },
  [TOPICS.authIntegrations]: {
    topic: TOPICS.authIntegrations,
    numPartitions: 3,
    config: COMPACTED_CONFIG,
  },
  [TOPICS.authTokenUsage]: {
    topic: TOPICS.authTokenUsage,
    numPartitions: 3,
    config: deleteConfig(DAY_MS),
  },
  [TOPICS.suppliers]: { topic: TOPICS.suppliers, numPartitions: 6, config: deleteConfig(7 * DAY_MS) },
  [TOPICS.products]: { topic: TOPICS.products, numPartitions: 6, config: deleteConfig(7 * DAY_MS) },
  [TOPICS.batches]: { topic: TOPICS.batches, numPartitions: 6, config: deleteConfig(7 * DAY_MS) },
  [TOPICS.dds]: { topic: TOPICS.dds, numPartitions: 3, config: deleteConfig(7 * DAY_MS) },
  [TOPICS.sync]: { topic: TOPICS.sync, numPartitions: 3, config: deleteConfig(7 * DAY_MS) },
  [TOPICS.tokens]: { topic: TOPICS.tokens, numPartitions: 3, config: deleteConfig(7 * DAY_MS) },
};

// Kafka's legal topic characters; the prefix must not introduce anything else.
const TOPIC_CHARS = /^[a-zA-Z0-9._-]*$/;
const MAX_TOPIC_LENGTH = 249;

/**
 * Checks a topic prefix (e.g. `staging.` or `t-1a2b3c.`) and returns it.
 * @throws Error when it holds characters Kafka does not allow in topic names or is too long.
 */
export function validateTopicPrefix(prefix: string): string {
  if (!TOPIC_CHARS.test(prefix)) {
    throw new Error('topic prefix may only contain letters, digits, ".", "_" and "-"');
  }
  // Leave room for the longest logical name.
  if (prefix.length > MAX_TOPIC_LENGTH - 32) {
    throw new Error('topic prefix is too long');
  }
  return prefix;
}

/** The physical topic name for a logical one: `${prefix}${topic}`. */
export function applyTopicPrefix(prefix: string, topic: LogicalTopic): string {
  return `${prefix}${topic}`;
}

/**
 * The logical topic for a physical name under `prefix`, or null when the name is not one of ours.
 */
export function stripTopicPrefix(prefix: string, physical: string): LogicalTopic | null {
  if (!physical.startsWith(prefix)) return null;
  const logical = physical.slice(prefix.length);
  return isLogicalTopic(logical) ? logical : null;
}
