import type { LogicalTopic } from './topics';
import type { ValidationIssue } from './schemas/topic-schemas';

/**
 * A value (or key) handed to `publish` does not match its topic's contract. Thrown before anything is
 * sent: a publish call is all or nothing. The message names the topic, the message index and the
 * fields, never the values (a value may hold personal data).
 */
export class EventValidationError extends Error {
  override readonly name = 'EventValidationError';
  /** Index of the first invalid message within the publish call. */
  readonly index: number;

  constructor(
    readonly topic: LogicalTopic,
    index: number,
    readonly issues: ValidationIssue[],
  ) {
    super(
      `invalid message #${index} for topic ${topic}: ` +
        issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '),
    );
    this.index = index;
  }
}

/**
 * Wraps an error thrown by a consumer's handler. It is marked retriable so that the Kafka client
 * redelivers the message (with backoff, then by restarting the consumer) instead of stopping for good,
 * whatever kind of error the handler threw.
 */
export class EventHandlerError extends Error {
  override readonly name = 'EventHandlerError';
  readonly retriable = true;

  constructor(
    readonly topic: LogicalTopic,
    readonly partition: number,
    readonly offset: string,
    options: { cause: unknown },
  ) {
    super(`handler failed for ${topic}[${partition}]@${offset}`, options);
  }
}
