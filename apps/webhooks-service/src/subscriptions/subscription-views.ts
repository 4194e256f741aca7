import type { DomainEventType } from '@eudr/events';
import type { DeliveryDocument } from '../deliveries/delivery.model';
import type { SubscriptionDocument } from './subscription.model';
import type { DeliverySummary, DeliveryView, SubscriptionView } from './subscriptions.schemas';

/** A stored subscription as the API shows it: no secret. */
export function toSubscriptionView(doc: SubscriptionDocument): SubscriptionView {
  return {
    id: doc._id,
    url: doc.url,
    events: doc.events as DomainEventType[],
    active: doc.active,
    integrationId: doc.integrationId,
    consecutiveFailures: doc.consecutiveFailures,
    disabledAt: doc.disabledAt === null ? null : doc.disabledAt.toISOString(),
    disabledReason: doc.disabledReason,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** A stored delivery as the API shows it: no body, no lease. */
export function toDeliveryView(doc: Omit<DeliveryDocument, 'body'>): DeliveryView {
  return {
    id: doc._id,
    event: doc.eventType,
    eventId: doc.eventId,
    test: doc.test,
    status: doc.status,
    attemptCount: doc.attempts.length,
    attempts: doc.attempts.map((attempt) => ({
      at: attempt.at.toISOString(),
      success: attempt.ok,
      statusCode: attempt.statusCode,
      durationMs: attempt.durationMs,
      error: attempt.error,
    })),
    nextAttemptAt: doc.nextAttemptAt === null ? null : doc.nextAttemptAt.toISOString(),
    reason: doc.reason,
    subscriptionDisabled: doc.subscriptionDisabled,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/** The newest delivery of a subscription as the admin list shows it: its last attempt, not all. */
export function toDeliverySummary(doc: Omit<DeliveryDocument, 'body'>): DeliverySummary {
  const view = toDeliveryView(doc);
  return {
    id: view.id,
    event: view.event,
    test: view.test,
    status: view.status,
    attemptCount: view.attemptCount,
    lastAttempt: view.attempts.at(-1) ?? null,
    createdAt: view.createdAt,
  };
}
