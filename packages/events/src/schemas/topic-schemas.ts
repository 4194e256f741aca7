import type { z } from 'zod';
import { TOPICS, type LogicalTopic, type StateTopic } from '../topics';
import {
  integrationsTopicSchema,
  isOrgPolicyState,
  orgPolicyKey,
  tokenStateSchema,
  tokenUsageReportSchema,
} from './auth-state.schemas';
import {
  batchEventSchema,
  ddsEventSchema,
  productEventSchema,
  supplierEventSchema,
  syncEventSchema,
  tokenEventSchema,
} from './domain-events.schemas';

const TOPIC_SCHEMAS = {
  [TOPICS.authTokens]: tokenStateSchema,
  [TOPICS.authIntegrations]: integrationsTopicSchema,
  [TOPICS.authTokenUsage]: tokenUsageReportSchema,
  [TOPICS.suppliers]: supplierEventSchema,
  [TOPICS.products]: productEventSchema,
  [TOPICS.batches]: batchEventSchema,
  [TOPICS.dds]: ddsEventSchema,
  [TOPICS.sync]: syncEventSchema,
  [TOPICS.tokens]: tokenEventSchema,
} as const satisfies Record<LogicalTopic, z.ZodType>;

/** The schema of the values on one topic. */
export type TopicSchema<T extends LogicalTopic> = (typeof TOPIC_SCHEMAS)[T];
/** A value on topic `T` as consumers receive it (parsed). */
export type TopicValue<T extends LogicalTopic> = z.output<TopicSchema<T>>;
/** A value for topic `T` as producers hand it in (before parsing). */
export type TopicInput<T extends LogicalTopic> = z.input<TopicSchema<T>>;

/**
 * The zod schema for values of a logical topic. Producers validate with it before sending and
 * consumers after decoding, so a value that does not match never reaches a handler.
 */
export function schemaForTopic<T extends LogicalTopic>(topic: T): TopicSchema<T> {
  return TOPIC_SCHEMAS[topic];
}

/** One validation problem: the dotted path of the field and what is wrong (never the value). */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Result of {@link validateTopicValue}. */
export type TopicValidationResult<T extends LogicalTopic> =
  { success: true; value: TopicValue<T> } | { success: false; issues: ValidationIssue[] };

/** Turns zod issues into path/message pairs; zod's messages name expectations, not received values. */
export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)',
    message: issue.message,
  }));
}

/** Validates a value against its topic's schema without throwing. */
export function validateTopicValue<T extends LogicalTopic>(
  topic: T,
  value: unknown,
): TopicValidationResult<T> {
  const schema: z.ZodType = schemaForTopic(topic);
  const result = schema.safeParse(value);
  if (result.success) return { success: true, value: result.data as TopicValue<T> };
  return { success: false, issues: toValidationIssues(result.error) };
}

/**
 * The key a state value must be published under on its compacted topic. Compaction keeps the last
 * value per key, so a value under any other key would survive next to the real state forever.
 */
export function stateKeyOf<T extends StateTopic>(topic: T, value: TopicValue<T>): string {
  if (topic === TOPICS.authTokens) return (value as TopicValue<typeof TOPICS.authTokens>).tokenId;
  const state = value as TopicValue<typeof TOPICS.authIntegrations>;
  return isOrgPolicyState(state) ? orgPolicyKey(state.orgId) : state.integrationId;
}
