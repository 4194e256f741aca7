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
   * Called with the PENDING deliveries this call stored (not those queued already), as stored, to
   * attempt them at once without reading them back.
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
 * A crash in between redelivers the batch. Two things make that harmless: delivery ids derive from
 * (event id, subscription id), so queueing a delivery that is still queued is a no-op (duplicate keys
 * are ignored); and a per-partition planned offset, written after the deliveries, makes a redelivered
 * message below it a no-op, so a delivery that was settled (and left the queue) is not queued again.
 * Should a delivery still be settled (by another replica's poll) and queued again in the moment before
 * the planned offset is written, the claim finds it in the history and only removes it.
 */
export function createDomainEventsConsumer(deps: DomainEventsConsumerDeps): EventConsumer {
  const clock = deps.clock ?? Date.now;
  const log = deps.logger.child({ component: 'domain-events-consumer' });

  async function handle(messages: AnyConsumedMessage<DomainTopic>[]): Promise<void> {
    await deps.whenAuthReady();
    const first = messages[0];
    if (first === undefined) return;
    const offsetKey = `${first.topic}:${first.partition}`;
    const plannedUpTo = await deps.deliveries.findPlannedOffset(offsetKey);
    const fresh =
      plannedUpTo === null ? messages : messages.filter((message) => Number(message.offset) >= plannedUpTo);
    const last = messages[messages.length - 1] as AnyConsumedMessage<DomainTopic>;
    const events = fresh.map((message) => message.value as DomainEvent);
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
    const now = new Date(clock());
    const planned = planDeliveries({
      events,
      subscriptionsByOwner,
      integrationStatus: deps.integrationStatus,
      now,
    });
    const skipped = planned.filter((doc) => doc.status === 'SKIPPED');
    if (skipped.length > 0) await deps.deliveries.record(skipped);
    const queued = await deps.deliveries.enqueue(planned.filter((doc) => doc.status === 'PENDING'));
    if (events.length > 0) await deps.deliveries.savePlannedOffset(offsetKey, Number(last.offset) + 1, now);
    const due = planned.filter((doc) => queued.has(doc._id) && doc.status === 'PENDING');
    if (planned.length > 0)
      log.debug({ events: events.length, queued: due.length, skipped: skipped.length }, 'deliveries stored');
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
