import { TOPICS, createRelay, domainEventKey } from '@eudr/events';
import type { DomainEventOf, EventProducer, PublishOptions, Relay } from '@eudr/events';
import { chunks, withTimeout } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { SyncLogDocument } from '../sync-logs/sync-log.model';
import type { SyncLogsRepository } from '../sync-logs/sync-logs.repository';
import { toSupplierEntity } from './supplier-entity';
import type { SupplierDocument } from './supplier.model';
import type { SuppliersRepository } from './suppliers.repository';

/*
 * Publishing without losing anything, with no transactions (FerretDB has none):
 *
 * 1. The upsert's bulkWrite stores on every written supplier its change event's envelope
 *    (`pendingEvent: {id, type, occurredAt, ...}`; the event's data is the document itself), and the
 *    sync log is inserted with its pending `sync.*` event. Once these writes succeed the events are
 *    durable, before the client gets its answer.
 * 2. Fast path: the events are published at once, and each pending mark is cleared after the broker's
 *    acknowledgement, only if it still holds the same event id (a newer write keeps its own). The
 *    request waits for this at most `publishTimeoutMs`, then answers anyway.
 * 3. Recovery path: a relay republishes, at start and every `relayIntervalMs`, every mark older than
 *    `relayMinAgeMs` (Kafka down, a crash between write and publish, a clear that failed). Younger
 *    marks are left to the request that wrote them, which is usually still publishing them.
 *
 * Delivery is at least once: an event may be published twice (a slow acknowledgement racing the relay),
 * always with the same id, on which consumers deduplicate. A supplier holds one pending event: when it
 * changes again before the previous event was acknowledged, only the newer one is published. Its data
 * is the whole record, so consumers still reach the latest state, and a pending `supplier.created` stays
 * `created` (see the service) so nobody receives an update of a supplier they were never told about.
 * This outbox-on-the-document needs only single-document atomicity, which every MongoDB-protocol
 * server has.
 */

/** The `source` of every event this service publishes. */
export const EVENT_SOURCE = 'suppliers-service';

/** A supplier change event. */
export type SupplierEvent = DomainEventOf<'supplier.created'> | DomainEventOf<'supplier.updated'>;
/** The event that ends a bulk upsert. */
export type SyncEvent = DomainEventOf<'sync.completed'> | DomainEventOf<'sync.failed'>;

/** The events of one bulk upsert, already stored as pending. */
export interface UpsertEvents {
  orgId: string;
  correlationId?: string | undefined;
  suppliers: readonly SupplierEvent[];
  sync: SyncEvent;
}

/** Options of {@link createSupplierEventsPublisher}. */
export interface SupplierEventsPublisherOptions {
  /** Connected producer; the caller owns it. */
  producer: EventProducer;
  suppliers: SuppliersRepository;
  syncLogs: SyncLogsRepository;
  logger: Logger;
  /** Longest an upsert waits for the acknowledgement before answering. */
  publishTimeoutMs: number;
  relayIntervalMs: number;
  /** Age a pending mark needs before the relay republishes it. */
  relayMinAgeMs: number;
  /** Epoch milliseconds; default `Date.now`. */
  clock?: () => number;
}

/** Publishes the events of upserts (fast path) and republishes what is left pending (relay). */
export interface SupplierEventsPublisher {
  /**
   * Publishes the supplier events, then the sync event, clearing their marks on acknowledgement.
   * Waits at most `publishTimeoutMs`; resolves true when everything was acknowledged in that time,
   * false otherwise (what is still pending is left to the relay). Never rejects.
   */
  publish(events: UpsertEvents): Promise<boolean>;
  /** Starts both relays (first run at once). */
  startRelay(): void;
  /** Runs both relays once now (joins runs in progress). */
  runRelayOnce(): Promise<void>;
  /** Stops both relays, waiting for runs in progress. */
  stopRelay(): Promise<void>;
}

/** Supplier events per produce request: 500 records of a few KB would pass the broker's 1 MB batch limit. */
const PUBLISH_CHUNK = 100;
/** Most pending items one relay run takes; the rest wait for the next run. */
const RELAY_PAGE = 500;

/** The event a supplier's pending mark stands for, rebuilt from the stored document. */
export function supplierEventFromDocument(doc: SupplierDocument): SupplierEvent | null {
  const pending = doc.pendingEvent;
  if (pending === null) return null;
  return {
    id: pending.id,
    type: pending.type,
    version: 1,
    occurredAt: pending.occurredAt.toISOString(),
    source: EVENT_SOURCE,
    orgId: doc.orgId,
    integrationId: pending.integrationId,
    ...(pending.correlationId === null ? {} : { correlationId: pending.correlationId }),
    data: toSupplierEntity(doc),
  } as SupplierEvent;
}

/** The event a sync log's pending mark stands for. */
export function syncEventFromDocument(log: SyncLogDocument): SyncEvent | null {
  const pending = log.pendingEvent;
  if (pending === null) return null;
  return {
    id: pending.id,
    type: pending.type,
    version: 1,
    occurredAt: pending.occurredAt.toISOString(),
    source: EVENT_SOURCE,
    orgId: log.orgId,
    integrationId: log.integrationId,
    ...(log.correlationId === null ? {} : { correlationId: log.correlationId }),
    data: {
      entityType: log.entityType,
      syncLogId: log._id,
      created: log.created,
      updated: log.updated,
      failed: log.failed,
      status: log.status,
    },
  } as SyncEvent;
}

function publishOptions(correlationId: string | undefined): PublishOptions {
  return correlationId === undefined ? {} : { correlationId };
}

/** Creates the publisher; see the comment at the top of this file for the delivery guarantees. */
export function createSupplierEventsPublisher(
  options: SupplierEventsPublisherOptions,
): SupplierEventsPublisher {
  const { producer, suppliers, syncLogs, publishTimeoutMs } = options;
  const clock = options.clock ?? Date.now;
  const logger = options.logger.child({ component: 'supplier-events' });

  async function publishAll(events: UpsertEvents): Promise<void> {
    const { orgId, correlationId } = events;
    for (const chunk of chunks(events.suppliers, PUBLISH_CHUNK)) {
      await producer.publish(
        TOPICS.suppliers,
        chunk.map((event) => ({ key: domainEventKey(event), value: event })),
        publishOptions(correlationId),
      );
      await suppliers.clearPendingEvents(
        orgId,
        chunk.map((event) => ({ externalId: event.data.externalId, eventId: event.id })),
      );
    }
    // After the record events, so a consumer that sees the sync event has been offered its records.
    await producer.publish(
      TOPICS.sync,
      [{ key: domainEventKey(events.sync), value: events.sync }],
      publishOptions(correlationId),
    );
    await syncLogs.clearPendingEvent(orgId, events.sync.data.syncLogId, events.sync.id);
  }

  const olderThan = () => new Date(clock() - options.relayMinAgeMs);

  const supplierRelay: Relay = createRelay<SupplierDocument>({
    name: 'supplier-events',
    intervalMs: options.relayIntervalMs,
    logger,
    findPending: () => suppliers.findPendingEvents(olderThan(), RELAY_PAGE),
    async publish(doc) {
      const event = supplierEventFromDocument(doc);
      if (event === null) return;
      await producer.publish(
        TOPICS.suppliers,
        [{ key: domainEventKey(event), value: event }],
        publishOptions(event.correlationId),
      );
    },
    async markPublished(doc) {
      if (doc.pendingEvent === null) return;
      await suppliers.clearPendingEvents(doc.orgId, [
        { externalId: doc.externalId, eventId: doc.pendingEvent.id },
      ]);
    },
  });

  const syncRelay: Relay = createRelay<SyncLogDocument>({
    name: 'sync-events',
    intervalMs: options.relayIntervalMs,
    logger,
    findPending: () => syncLogs.findPendingEvents(olderThan(), RELAY_PAGE),
    async publish(log) {
      const event = syncEventFromDocument(log);
      if (event === null) return;
      await producer.publish(
        TOPICS.sync,
        [{ key: domainEventKey(event), value: event }],
        publishOptions(event.correlationId),
      );
    },
    async markPublished(log) {
      if (log.pendingEvent === null) return;
      await syncLogs.clearPendingEvent(log.orgId, log._id, log.pendingEvent.id);
    },
  });

  return {
    async publish(events) {
      const work = publishAll(events).then(
        () => true,
        (err: unknown) => {
          logger.warn(
            { err, orgId: events.orgId, events: events.suppliers.length + 1 },
            'events not published yet; the relay will publish them',
          );
          return false;
        },
      );
      const published = (await withTimeout(work, publishTimeoutMs)) === true;
      if (!published) {
        logger.warn(
          { orgId: events.orgId, publishTimeoutMs },
          'answering before the broker acknowledged every event',
        );
      }
      return published;
    },
    startRelay() {
      supplierRelay.start();
      syncRelay.start();
    },
    async runRelayOnce() {
      await supplierRelay.runOnce();
      await syncRelay.runOnce();
    },
    async stopRelay() {
      await Promise.all([supplierRelay.stop(), syncRelay.stop()]);
    },
  };
}
