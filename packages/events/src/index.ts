export {
  TOPICS,
  TOPIC_SPECS,
  ALL_TOPICS,
  STATE_TOPICS,
  DOMAIN_TOPICS,
  isLogicalTopic,
  isStateTopic,
  validateTopicPrefix,
  applyTopicPrefix,
  stripTopicPrefix,
} from './topics';
export type { LogicalTopic, StateTopic, DomainTopic, TopicSpec } from './topics';

export { RAW_TOKEN_MARKER, findRawTokenPath } from './schemas/raw-token-guard';
export {
  tokenStateSchema,
  integrationStateSchema,
  orgPolicyStateSchema,
  integrationsTopicSchema,
  isOrgPolicyState,
  orgPolicyKey,
  ipEntrySchema,
  MAX_ALLOWED_ADDRESSES,
  MAX_ADDRESSES_PER_USAGE_REPORT,
  USAGE_OUTCOMES,
  tokenUsageReportSchema,
  stateHeartbeatSchema,
  STATE_HEARTBEAT_KEY,
} from './schemas/auth-state.schemas';
export type {
  TokenState,
  IntegrationState,
  OrgPolicyState,
  IntegrationsTopicValue,
  TokenUsageReport,
  UsageOutcome,
  StateHeartbeat,
} from './schemas/auth-state.schemas';
export {
  STATE_SIGNATURE_HEADER,
  signedBytes,
  parseSigningKey,
  parsePublicKeys,
  publicKeyEntry,
  createStateSigner,
  createStateVerifier,
} from './signing';
export type { StateSigner, StateVerifier, SignatureProblem } from './signing';
export {
  supplierRecordSchema,
  productRecordSchema,
  batchRecordSchema,
  syncResultSchema,
  ddsStatusSchema,
  ddsChangeSchema,
  eventEnvelopeSchema,
  supplierEventSchema,
  productEventSchema,
  batchEventSchema,
  syncEventSchema,
  ddsEventSchema,
  tokenEventSchema,
  tokenExpiringSchema,
  tokenExpiredSchema,
  tokenLeakedSchema,
  TOKEN_EXPIRY_THRESHOLDS,
  domainEventSchema,
  DOMAIN_EVENT_TYPES,
  EVENT_TYPES_BY_TOPIC,
  topicForEventType,
  createDomainEvent,
  stableEventId,
  domainEventKey,
} from './schemas/domain-events.schemas';
export type {
  SupplierRecord,
  ProductRecord,
  BatchRecord,
  SyncResult,
  DdsStatus,
  DdsChange,
  TokenExpiryThreshold,
  DomainEvent,
  DomainEventInput,
  DomainEventType,
  DomainEventOf,
  DomainEventData,
  CreateDomainEventInput,
} from './schemas/domain-events.schemas';
export { schemaForTopic, validateTopicValue, stateKeyOf } from './schemas/topic-schemas';
export type {
  TopicSchema,
  TopicValue,
  TopicInput,
  ValidationIssue,
  TopicValidationResult,
} from './schemas/topic-schemas';

export { EventValidationError, EventHandlerError } from './errors';

export { createKafka, DEFAULT_RETRY, KAFKA_SASL_MECHANISMS } from './kafka';
export type { EventsKafka, CreateKafkaOptions, RetrySettings, KafkaSasl } from './kafka';
export { kafkaConfigShape, kafkaOptionsFromConfig, kafkaSecurityFromConfig } from './kafka-config';
export type { KafkaConfig } from './kafka-config';
export {
  ensureTopics,
  describeTopicConfig,
  fetchHighWatermarks,
  fetchCommittedOffsets,
  deleteTopicsWithPrefixes,
} from './admin';
export type { EnsureTopicsOptions, EnsureTopicsResult, PartitionWatermark, CommittedOffset } from './admin';
export { createProducer, CORRELATION_HEADER, CONTENT_TYPE_HEADER, JSON_CONTENT_TYPE } from './producer';
export type { EventProducer, PublishMessage, PublishOptions, CreateProducerOptions } from './producer';
export { createConsumer, createStateReader } from './consumer';
export type {
  ConsumedMessage,
  ConsumedHeartbeat,
  AnyConsumedMessage,
  CreateConsumerOptions,
  EventConsumer,
  ConsumerStats,
  CreateStateReaderOptions,
  StateReader,
} from './consumer';
export { createCaughtUpTracker } from './caught-up';
export type { CaughtUpTracker, LaggingPartition } from './caught-up';
export { createRelay } from './relay';
export type { CreateRelayOptions, RelayRunResult, Relay } from './relay';
export { connectKafka } from './connect';
export type { ConnectKafkaOptions } from './connect';
export {
  createEventOutbox,
  groupsOf,
  outboxConfigShape,
  outboxTimingsFromConfig,
  storedGroupsOf,
} from './outbox/outbox';
export type {
  EventOutbox,
  EventOutboxOptions,
  OutboxGroup,
  OutboxWrite,
  WriteRecovery,
} from './outbox/outbox';
export { createOutboxRepository } from './outbox/outbox-store';
export type { OutboxDocument, OutboxDocumentGroup, OutboxRepository } from './outbox/outbox-store';
