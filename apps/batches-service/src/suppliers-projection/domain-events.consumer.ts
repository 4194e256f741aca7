import { TOPICS, createConsumer } from '@eudr/events';
import type { AnyConsumedMessage, EventsKafka, TopicValue } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import { EVENT_SOURCE } from '../events/event-source';
import type { ProductsService } from '../products/products.service';
import type { SyncLogsRepository } from '../sync/sync-logs.repository';
import { createGroupCatchUp } from './group-catch-up';
import type { SuppliersProjectionRepository } from './suppliers-projection.repository';

/** The consumer group of every replica: each event is applied once, by one of them. */
export const DOMAIN_EVENTS_GROUP = 'batches-service.domain-events';
const CONSUMED_TOPICS = [TOPICS.suppliers, TOPICS.sync] as const;
type ConsumedTopic = (typeof CONSUMED_TOPICS)[number];

/** Options of {@link createDomainEventsConsumer}. */
export interface DomainEventsConsumerOptions {
  kafka: EventsKafka;
  logger: Logger;
  suppliers: SuppliersProjectionRepository;
  products: ProductsService;
  syncLogs: SyncLogsRepository;
}

/** The consumer of suppliers-service's events; see {@link createDomainEventsConsumer}. */
export interface DomainEventsConsumer {
  /** Reads the start marks, then joins the group and starts consuming. */
  start(): Promise<void>;
  /**
   * True once the group has committed, on every partition, at least the high watermark seen at start:
   * every supplier and sync event published before this replica started is in the projection.
   */
  isReady(): boolean;
  stop(): Promise<void>;
}

type SuppliersTopicEvent = TopicValue<typeof TOPICS.suppliers>;
type SyncTopicEvent = TopicValue<typeof TOPICS.sync>;

/**
 * A supplier event: the projection is written first (ignored when older than what is stored), then the
 * products waiting for that supplier are marked SYNCED.
 */
async function applySupplierEvent(
  { suppliers, products }: Pick<DomainEventsConsumerOptions, 'suppliers' | 'products'>,
  event: SuppliersTopicEvent,
): Promise<void> {
  if (event.type === 'supplier.deleted') {
    await suppliers.remove(event.orgId, event.data.externalId);
    return;
  }
  const data = event.data;
  const occurredAt = new Date(event.occurredAt);
  const synced = typeof data['lastSyncedAt'] === 'string' ? new Date(data['lastSyncedAt']) : occurredAt;
  await suppliers.apply({
    orgId: event.orgId,
    externalId: data.externalId,
    internalId: data.internalId,
    name: data.name ?? null,
    country: data.country ?? null,
    lastSyncedAt: Number.isNaN(synced.getTime()) ? occurredAt : synced,
    occurredAt,
    eventId: event.id,
  });
  // Also on a replayed (older) event: a crash may have come between the two steps.
  await products.resolvePendingProducts(event.orgId, data.externalId, event.correlationId);
}

/** A sync event of another service, stored as its sync log (this service writes its own itself). */
async function storeForeignSyncLog(syncLogs: SyncLogsRepository, event: SyncTopicEvent): Promise<void> {
  if (event.source === EVENT_SOURCE) return;
  await syncLogs.insertIfAbsent({
    _id: event.data.syncLogId,
    orgId: event.orgId,
    integrationId: event.integrationId ?? null,
    entityType: event.data.entityType,
    status: event.data.status,
    created: event.data.created,
    updated: event.data.updated,
    failed: event.data.failed,
    correlationId: event.correlationId ?? null,
    source: event.source,
    createdAt: new Date(event.occurredAt),
  });
}

/**
 * Keeps the supplier projection and the foreign sync logs from the `suppliers` and `sync` topics, in a
 * consumer group shared by the replicas, from the beginning of the topics on its first start.
 * Offsets are committed only after the handler returned, so a crash in the middle of a supplier event
 * replays it, and both of its steps are idempotent. `supplier.deleted` removes the supplier from the
 * projection.
 */
export function createDomainEventsConsumer(options: DomainEventsConsumerOptions): DomainEventsConsumer {
  const logger = options.logger.child({ component: 'domain-events-consumer' });
  const catchUp = createGroupCatchUp(options.kafka, DOMAIN_EVENTS_GROUP, CONSUMED_TOPICS, logger);
  const consumer = createConsumer(options.kafka, {
    groupId: DOMAIN_EVENTS_GROUP,
    topics: CONSUMED_TOPICS,
    fromBeginning: true,
    handler: (message: AnyConsumedMessage<ConsumedTopic>) =>
      message.topic === TOPICS.suppliers
        ? applySupplierEvent(options, message.value)
        : storeForeignSyncLog(options.syncLogs, message.value),
  });

  return {
    async start() {
      await catchUp.readMarks();
      await consumer.start();
      await catchUp.watch();
    },
    isReady: () => catchUp.isReady(),
    async stop() {
      catchUp.stop();
      await consumer.disconnect();
    },
  };
}
