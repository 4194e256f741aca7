import { CORRELATION_HEADER, TOPICS, createRelay, domainEventKey } from '@eudr/events';
import type { DomainEventOf, EventProducer, Relay } from '@eudr/events';
import { chunks } from '@eudr/records';
import { withTimeout } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { SyncLogDocument } from '../sync-logs/sync-log.model';
import type { SyncLogsRepository } from '../sync-logs/sync-logs.repository';
import { toSupplierEntity } from './supplier-entity';
import type { SupplierDocument } from './supplier.model';
import type { SuppliersRepository } from './suppliers.repository';

/*
 * Publishing without losing anything, with no transactions:
 *
 * 1. The upsert's bulkWrite stores on every written supplier its change event's envelope
 *    (`pendingEvent`; the event's data is the document itself) and bumps its `version`; the sync log is
 *    inserted with its pending `sync.*` event. Once these writes succeed the events are durable, before
 *    the client gets its answer.
 * 2. Fast path: the upsert reads its suppliers back and publishes at once what they owe, with the state
 *    read. After the broker's acknowledgement each mark is cleared only if the supplier is still at the
 *    version read, so a write made meanwhile (by any replica) keeps its own mark. The request waits for
 *    this at most `publishTimeoutMs`, then answers anyway.
 * 3. Recovery path: one relay republishes, at start and every `relayIntervalMs`, every mark of a
 *    supplier or a sync log older than `relayMinAgeMs`, oldest first, and clears it the same way (Kafka
 *    down, a crash between write and publish, a clear that failed). Younger marks are left to the
 *    request that wrote them, which is usually still publishing them.
 *
 * Delivery is at least once: an event may be published twice (a slow acknowledgement racing a relay,
 * two replicas reading the same mark), always with the same id, on which consumers deduplicate. A
 * supplier holds one pending event: when it changes again before the previous event was acknowledged,
 * only the newer one is published, with the whole record. Until its creation has been acknowledged,
 * every event of a supplier is its one `supplier.created` (`createEventId`) with the state as published,
 * so the same new supplier pushed through several replicas at once is announced once. A consumer that
 * deduplicates on the id keeps the first state it received of that create; one that orders by
 * `occurredAt` (batches-service) gets the latest. Each step is one single-document atomic write, so any
 * number of replicas may run this at once.
 */

/** The `source` of every event this service publishes. */
export const EVENT_SOURCE = 'suppliers-service';

/** A supplier change event. */
export type SupplierEvent = DomainEventOf<'supplier.created'> | DomainEventOf<'supplier.updated'>;
/** The event that ends a bulk upsert. */
export type SyncEvent = DomainEventOf<'sync.completed'> | DomainEventOf<'sync.failed'>;

/** What one bulk upsert stored: each document holds the event it still owes, if any. */
export interface StoredUpsert {
  orgId: string;
  /** The written suppliers as read back after the write. */
  suppliers: readonly SupplierDocument[];
  syncLog: SyncLogDocument;
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
  publish(upsert: StoredUpsert): Promise<boolean>;
  /** Starts the relay (first run at once). */
  startRelay(): void;
  /** Runs the relay once now (joins a run in progress). */
  runRelayOnce(): Promise<void>;
  /** Stops the relay, waiting for a run in progress. */
  stopRelay(): Promise<void>;
}

/** Supplier events per produce request: 500 records of a few KB would pass the broker's 1 MB batch limit. */
const PUBLISH_CHUNK = 100;
/** Most pending items of each collection one relay run takes; the rest wait for the next run. */
const RELAY_PAGE = 500;

/** The event a supplier's pending mark stands for, rebuilt from the stored document. */
export function supplierEventFromDocument(doc: SupplierDocument): SupplierEvent | null {
  const pending = doc.pendingEvent;
  if (pending === null) return null;
  return {
    ...(doc.createEventId === null
      ? { id: pending.id, type: 'supplier.updated' as const }
      : { id: doc.createEventId, type: 'supplier.created' as const }),
    version: 1,
    occurredAt: pending.occurredAt.toISOString(),
    source: EVENT_SOURCE,
    orgId: doc.orgId,
    integrationId: pending.integrationId,
    ...(pending.correlationId === null ? {} : { correlationId: pending.correlationId }),
    data: toSupplierEntity(doc),
  };
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
  };
}

/** One message per event, carrying the request id of the write that caused it. */
function message<E extends SupplierEvent | SyncEvent>(event: E) {
  return {
    key: domainEventKey(event),
    value: event,
    ...(event.correlationId === undefined ? {} : { headers: { [CORRELATION_HEADER]: event.correlationId } }),
  };
}

/** An event still owed to Kafka, and how to clear its mark once the broker acknowledged it. */
type OwedEvent =
  | { topic: typeof TOPICS.suppliers; event: SupplierEvent; clear: () => Promise<void> }
  | { topic: typeof TOPICS.sync; event: SyncEvent; clear: () => Promise<void> };

/** Creates the publisher; see the comment at the top of this file for the delivery guarantees. */
export function createSupplierEventsPublisher(
  options: SupplierEventsPublisherOptions,
): SupplierEventsPublisher {
  const { producer, suppliers, syncLogs, publishTimeoutMs } = options;
  const clock = options.clock ?? Date.now;
  const logger = options.logger.child({ component: 'supplier-events' });

  function owedBy(doc: SupplierDocument): OwedEvent[] {
    const event = supplierEventFromDocument(doc);
    const clear = () => suppliers.clearPendingEvents(doc.orgId, [{ _id: doc._id, version: doc.version }]);
    return event === null ? [] : [{ topic: TOPICS.suppliers, event, clear }];
  }

  function owedByLog(log: SyncLogDocument): OwedEvent[] {
    const event = syncEventFromDocument(log);
    if (event === null) return [];
    return [
      { topic: TOPICS.sync, event, clear: () => syncLogs.clearPendingEvent(log.orgId, log._id, event.id) },
    ];
  }

  async function publishUpsert({ orgId, suppliers: written, syncLog }: StoredUpsert): Promise<void> {
    const owed = written.flatMap((doc) => {
      const event = supplierEventFromDocument(doc);
      return event === null ? [] : [{ doc, event }];
    });
    for (const chunk of chunks(owed, PUBLISH_CHUNK)) {
      await producer.publish(
        TOPICS.suppliers,
        chunk.map(({ event }) => message(event)),
      );
      await suppliers.clearPendingEvents(
        orgId,
        chunk.map(({ doc }) => ({ _id: doc._id, version: doc.version })),
      );
    }
    // After the record events, so a consumer that sees the sync event has been offered its records.
    const sync = syncEventFromDocument(syncLog);
    if (sync === null) return;
    await producer.publish(TOPICS.sync, [message(sync)]);
    await syncLogs.clearPendingEvent(orgId, syncLog._id, sync.id);
  }

  // One relay for both collections, oldest first; a sync event after the supplier events of the same
  // instant (the sort is stable), as on the fast path.
  const relay: Relay = createRelay<OwedEvent>({
    name: 'supplier-events',
    intervalMs: options.relayIntervalMs,
    logger,
    async findPending() {
      const olderThan = new Date(clock() - options.relayMinAgeMs);
      const [docs, logs] = await Promise.all([
        suppliers.findPendingEvents(olderThan, RELAY_PAGE),
        syncLogs.findPendingEvents(olderThan, RELAY_PAGE),
      ]);
      return [...docs.flatMap(owedBy), ...logs.flatMap(owedByLog)].sort((a, b) =>
        a.event.occurredAt.localeCompare(b.event.occurredAt),
      );
    },
    async publish(item) {
      if (item.topic === TOPICS.suppliers) await producer.publish(item.topic, [message(item.event)]);
      else await producer.publish(item.topic, [message(item.event)]);
    },
    markPublished: (item) => item.clear(),
  });

  return {
    async publish(upsert) {
      const work = publishUpsert(upsert).then(
        () => true,
        (err: unknown) => {
          logger.warn(
            { err, orgId: upsert.orgId, events: upsert.suppliers.length + 1 },
            'events not published yet; the relay will publish them',
          );
          return false;
        },
      );
      const published = (await withTimeout(work, publishTimeoutMs)) === true;
      if (!published) {
        logger.warn(
          { orgId: upsert.orgId, publishTimeoutMs },
          'answering before the broker acknowledged every event',
        );
      }
      return published;
    },
    startRelay: () => relay.start(),
    runRelayOnce: async () => {
      await relay.runOnce();
    },
    stopRelay: () => relay.stop(),
  };
}
