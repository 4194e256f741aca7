import { TOPICS, createConsumer, fetchCommittedOffsets, fetchHighWatermarks } from '@eudr/events';
import type { AnyConsumedMessage, EventsKafka, PartitionWatermark } from '@eudr/events';
import type { Logger } from '@eudr/service-kit';
import { EVENT_SOURCE } from '../events/event-source';
import type { ProductsService } from '../products/products.service';
import type { SyncLogsRepository } from '../sync/sync-logs.repository';
import type { SuppliersProjectionRepository } from './suppliers-projection.repository';

/** The consumer group of every replica: each event is applied once, by one of them. */
export const DOMAIN_EVENTS_GROUP = 'batches-service.domain-events';
const CONSUMED_TOPICS = [TOPICS.suppliers, TOPICS.sync] as const;
type ConsumedTopic = (typeof CONSUMED_TOPICS)[number];
/** How often readiness re-reads the group's committed offsets until it has caught up. */
const CATCH_UP_POLL_MS = 500;

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

/**
 * Keeps the supplier projection and the foreign sync logs from the `suppliers` and `sync` topics, in a
 * consumer group shared by the replicas, from the beginning of the topics on its first start.
 *
 * - `supplier.created|updated`: the projection is written first (ignored when older than what is
 *   stored), then the products waiting for that supplier are marked SYNCED. Offsets are committed only
 *   after the handler returned, so a crash in between replays the event, and both steps are
 *   idempotent. `supplier.deleted` removes the supplier from the projection.
 * - `sync.*` of suppliers-service: stored as its sync log (this service's own are written by the
 *   upsert itself and skipped here).
 */
export function createDomainEventsConsumer(options: DomainEventsConsumerOptions): DomainEventsConsumer {
  const { kafka, suppliers, products, syncLogs } = options;
  const logger = options.logger.child({ component: 'domain-events-consumer' });
  let marks: PartitionWatermark[] | null = null;
  let ready = false;
  let polling: NodeJS.Timeout | null = null;
  let stopped = false;

  async function handle(message: AnyConsumedMessage<ConsumedTopic>): Promise<void> {
    if (message.topic === TOPICS.suppliers) {
      const event = message.value;
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
      return;
    }
    const event = message.value;
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

  const consumer = createConsumer(kafka, {
    groupId: DOMAIN_EVENTS_GROUP,
    topics: CONSUMED_TOPICS,
    fromBeginning: true,
    handler: handle,
  });

  async function checkCaughtUp(): Promise<void> {
    if (marks === null || ready) return;
    const committed = await fetchCommittedOffsets(kafka, DOMAIN_EVENTS_GROUP, CONSUMED_TOPICS);
    const position = new Map(committed.map((c) => [`${c.topic}:${c.partition}`, c.offset]));
    ready = marks.every((mark) => {
      if (BigInt(mark.high) <= BigInt(mark.low)) return true;
      const offset = position.get(`${mark.topic}:${mark.partition}`);
      return offset !== undefined && offset !== null && BigInt(offset) >= BigInt(mark.high);
    });
    if (ready) logger.info('supplier projection caught up');
  }

  function poll(): void {
    if (stopped || ready) return;
    polling = setTimeout(() => {
      polling = null;
      checkCaughtUp()
        .catch((err: unknown) => logger.warn({ err }, 'could not read the committed offsets'))
        .finally(poll);
    }, CATCH_UP_POLL_MS);
    polling.unref();
  }

  return {
    async start() {
      marks = await fetchHighWatermarks(kafka, CONSUMED_TOPICS);
      await consumer.start();
      await checkCaughtUp();
      poll();
    },
    isReady: () => ready,
    async stop() {
      stopped = true;
      if (polling !== null) clearTimeout(polling);
      await consumer.disconnect();
    },
  };
}
