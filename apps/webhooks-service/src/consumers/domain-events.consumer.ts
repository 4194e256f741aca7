import { DOMAIN_TOPICS, createConsumer } from '@eudr/events';
import type { AnyConsumedMessage, DomainEvent, DomainTopic, EventConsumer, EventsKafka } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import { deliveryIdFor } from '../common/ids';
import type { DeliveriesRepository } from '../deliveries/deliveries.repository';
import type { DeliveryDocument } from '../deliveries/delivery.model';
import type { SubscriptionDocument } from '../subscriptions/subscription.model';
import type { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';

/** The consumer group every replica shares: each event is turned into deliveries by one replica. */
export const DELIVERIES_GROUP_ID = 'webhooks-service.deliveries';

/** Dependencies of {@link planDeliveries}. */
export interface PlanDeliveriesInput {
  events: readonly DomainEvent[];
  /** The active subscriptions of each event's organisation (and integration), by {@link ownerKey}. */
  subscriptionsByOwner: ReadonlyMap<string, readonly SubscriptionDocument[]>;
  integrationStatus: (integrationId: string) => 'ACTIVE' | 'INACTIVE' | undefined;
  now: Date;
}

/** The key events and subscriptions are grouped by: organisation, and integration when the event has one. */
export function ownerKey(orgId: string, integrationId: string | undefined): string {
  return integrationId === undefined ? `${orgId}:*` : `${orgId}:${integrationId}`;
}

/**
 * The deliveries a batch of events owes: one per event and active subscription of the same
 * organisation and integration that asked for its type and existed when the event occurred (a new
 * subscription does not receive older events, e.g. when the group reads a topic from the beginning).
 * While the integration is INACTIVE they are stored as SKIPPED, never queued. Pure.
 */
export function planDeliveries(input: PlanDeliveriesInput): DeliveryDocument[] {
  const planned: DeliveryDocument[] = [];
  for (const event of input.events) {
    const candidates = input.subscriptionsByOwner.get(ownerKey(event.orgId, event.integrationId)) ?? [];
    const occurredAt = new Date(event.occurredAt);
    for (const subscription of candidates) {
      if (!subscription.events.includes(event.type)) continue;
      if (subscription.createdAt.getTime() > occurredAt.getTime()) continue;
      const inactive = input.integrationStatus(subscription.integrationId) === 'INACTIVE';
      const integrationId = event.integrationId ?? subscription.integrationId;
      planned.push({
        _id: deliveryIdFor(event.id, subscription._id),
        subscriptionId: subscription._id,
        orgId: event.orgId,
        integrationId: subscription.integrationId,
        eventId: event.id,
        eventType: event.type,
        test: false,
        body: JSON.stringify({
          event: event.type,
          timestamp: event.occurredAt,
          integrationId,
          data: event.data,
        }),
        status: inactive ? 'SKIPPED' : 'PENDING',
        attempts: [],
        nextAttemptAt: inactive ? null : input.now,
        leaseOwner: null,
        leaseUntil: null,
        reason: inactive ? 'the integration was inactive when the event occurred' : null,
        subscriptionDisabled: false,
        createdAt: input.now,
        updatedAt: input.now,
      });
    }
  }
  return planned;
}

/** Dependencies of {@link createDomainEventsConsumer}. */
export interface DomainEventsConsumerDeps {
  kafka: EventsKafka;
  subscriptions: SubscriptionsRepository;
  deliveries: DeliveriesRepository;
  integrationStatus: (integrationId: string) => 'ACTIVE' | 'INACTIVE' | undefined;
  /** Resolves once the token projection has caught up, so integration statuses are current. */
  whenAuthReady: () => Promise<void>;
  /**
   * Called with the PENDING deliveries this call inserted (not those stored already), to attempt them
   * at once rather than at the next poll.
   */
  onStored: (deliveries: DeliveryDocument[]) => void;
  logger: Logger;
  partitionsConsumedConcurrently?: number;
  clock?: () => number;
}

/**
 * Consumes every domain topic in one shared group and stores the deliveries each event owes before the
 * offset moves on: the batch handler returns only once they are written, and the events consumer
 * resolves (and later commits) offsets only after the handler returns.
 *
 * A crash in between redelivers the batch, which is harmless: delivery ids derive from (event id,
 * subscription id) and settled deliveries stay stored, so storing them again inserts nothing and hands
 * nothing to the worker, whatever has happened to them since.
 */
export function createDomainEventsConsumer(deps: DomainEventsConsumerDeps): EventConsumer {
  const clock = deps.clock ?? Date.now;
  const log = deps.logger.child({ component: 'domain-events-consumer' });

  async function handle(messages: AnyConsumedMessage<DomainTopic>[]): Promise<void> {
    await deps.whenAuthReady();
    const events = messages.map((message) => message.value as DomainEvent);
    const subscriptionsByOwner = new Map<string, SubscriptionDocument[]>();
    for (const event of events) {
      const key = ownerKey(event.orgId, event.integrationId);
      if (!subscriptionsByOwner.has(key)) {
        subscriptionsByOwner.set(
          key,
          await deps.subscriptions.findActiveFor(event.orgId, event.integrationId),
        );
      }
    }
    const planned = planDeliveries({
      events,
      subscriptionsByOwner,
      integrationStatus: deps.integrationStatus,
      now: new Date(clock()),
    });
    const inserted = await deps.deliveries.insert(planned);
    const due = planned.filter((doc) => inserted.has(doc._id) && doc.status === 'PENDING');
    if (planned.length > 0)
      log.debug({ events: events.length, inserted: inserted.size, due: due.length }, 'deliveries stored');
    deps.onStored(due);
  }

  return createConsumer(deps.kafka, {
    groupId: DELIVERIES_GROUP_ID,
    topics: DOMAIN_TOPICS,
    // A new group starts at the oldest retained event; planDeliveries only keeps events that occurred
    // after a subscription was created, so nothing old is sent, and nothing published before the
    // group first joined is missed.
    fromBeginning: true,
    partitionsConsumedConcurrently: deps.partitionsConsumedConcurrently ?? 3,
    batchHandler: handle,
  });
}
