import { randomBytes } from 'node:crypto';
import { createRelay, domainEventKey } from '@eudr/events';
import type { DomainEvent, DomainTopic, EventProducer, PublishMessage, Relay } from '@eudr/events';
import { withTimeout } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { chunks } from '../common/bulk-upsert';
import type { OutboxDocument } from './outbox.model';
import type { OutboxRepository } from './outbox.repository';

/*
 * Publishing without losing anything, with no transactions (FerretDB has none):
 *
 * 1. A write changes its records (products, batches, DDS, sync log) first, then inserts ONE document
 *    into the `outbox` collection holding every event it owes, as full envelopes, in publishing
 *    order. Only then does the client get its answer: an acknowledged write always has its events
 *    stored.
 * 2. Fast path: the events are published at once and, once the broker acknowledged all of them, that
 *    one document is deleted (`deleteOne({_id})`), in the background: the events are durable, so the
 *    caller answers as soon as the document is stored. Only while earlier publishes are still
 *    unacknowledged (a slow or absent broker) does it wait, at most `publishTimeoutMs`, for its own.
 * 3. Recovery path: one relay scans the `outbox` collection (only unacknowledged writes stay in it, so
 *    it is small whatever the size of the records), at start and every `relayIntervalMs`, for
 *    documents older than `relayMinAgeMs` (Kafka down, a crash between insert and publish),
 *    republishes them oldest first and deletes them.
 *
 * Delivery is at least once, always with the same event id, on which consumers deduplicate.
 *
 * The crash window: a process that dies after the record write and before the outbox insert has
 * written records whose events are not stored. It has not answered the client (the answer comes after
 * the insert), so nothing acknowledged is lost: the client sees an error or a dropped connection and
 * sends the request again, which writes the same records again and stores their events (as updates,
 * since the records exist by then). What a retry does not repeat is lost with the crash: the
 * `dds.status_changed` of a DRAFT created in that window (the retried batch already exists, so no
 * DRAFT is created again) and the events of an admin status change whose retry is refused because the
 * DDS already moved. The same holds when the outbox insert itself fails: the request fails.
 */

/** The `source` of every event this service publishes. */
export const EVENT_SOURCE = 'batches-service';

/** Events of one topic to publish in order. */
export interface OutboxGroup {
  topic: DomainTopic;
  events: readonly DomainEvent[];
}

/** Options of {@link createEventOutbox}. */
export interface EventOutboxOptions {
  /** Connected producer; the caller owns it. */
  producer: EventProducer;
  repository: OutboxRepository;
  logger: Logger;
  publishTimeoutMs: number;
  relayIntervalMs: number;
  relayMinAgeMs: number;
  /** Epoch milliseconds; default `Date.now`. */
  clock?: () => number;
  /** Most bytes of events (as JSON) one outbox document holds; default {@link MAX_OUTBOX_DOCUMENT_BYTES}. */
  maxDocumentBytes?: number;
}

/** The fast path and the relay of every event this service owes. */
export interface EventOutbox {
  /**
   * Stores the groups as one outbox document (several when they exceed the document size limit), then
   * publishes them in order and deletes the document once the broker acknowledged everything.
   * Resolves once the document is stored (true), unless earlier publishes are still unacknowledged:
   * then it waits for the broker at most `publishTimeoutMs` and resolves whether everything was
   * acknowledged in that time (the relay publishes the rest).
   * @throws when the outbox document could not be stored: the events are not durable, so the write
   *   must not be acknowledged (the caller answers with an error and the client retries).
   */
  publish(groups: readonly OutboxGroup[], correlationId?: string): Promise<boolean>;
  /** Starts the relay (first run at once). */
  startRelay(): void;
  /** Runs the relay once now (joins a run in progress). */
  runRelayOnce(): Promise<void>;
  /** Stops the relay, waiting for a run in progress. */
  stopRelay(): Promise<void>;
  /** Waits up to `ms` for fast-path publishes and deletes still in flight (at shutdown). */
  drain(ms: number): Promise<void>;
}

/**
 * Bytes of events (as JSON) per outbox document: half of the 16 MB BSON document limit of MongoDB and
 * FerretDB, leaving room for BSON's larger encoding of some values. 500 records of a few KB are far
 * below it; the split is a guard.
 */
export const MAX_OUTBOX_DOCUMENT_BYTES = 8 * 1024 * 1024;
/** Events per produce request: 500 records of a few KB would pass the broker's 1 MB batch limit. */
const PUBLISH_CHUNK = 100;
/**
 * Fast-path publishes still waiting for the broker beyond which a write waits (up to
 * `publishTimeoutMs`) for its own acknowledgement before answering.
 */
const MAX_UNACKNOWLEDGED_PUBLISHES = 4;
/** Most outbox documents one relay run takes (each up to 500 records' events); the rest wait. */
const RELAY_PAGE = 20;

/** An outbox document with the events it holds, still parsed (the fast path publishes these). */
export interface OutboxEntry {
  document: OutboxDocument;
  groups: OutboxGroup[];
}

/**
 * The outbox documents of one write: the groups in order, split into parts of at most `maxBytes` of
 * events (a single larger event gets a part of its own). Parts share `createdAt` and are ordered by
 * their `_id` suffix, so the relay publishes them in order.
 */
export function buildOutboxDocuments(
  groups: readonly OutboxGroup[],
  options: { createdAt: Date; correlationId?: string | undefined; maxBytes?: number },
): OutboxEntry[] {
  const maxBytes = options.maxBytes ?? MAX_OUTBOX_DOCUMENT_BYTES;
  // Time first, so that ids sort roughly by creation; random after, so that they never collide.
  const base = `ob_${options.createdAt.getTime().toString(16).padStart(12, '0')}${randomBytes(8).toString('hex')}`;
  const parts: OutboxEntry[] = [];
  let current: OutboxEntry | null = null;
  let bytes = 0;
  for (const group of groups) {
    for (const event of group.events) {
      const text = JSON.stringify(event);
      const size = Buffer.byteLength(text);
      if (current === null || (bytes > 0 && bytes + size > maxBytes)) {
        current = {
          document: {
            _id: `${base}:${String(parts.length).padStart(4, '0')}`,
            groups: [],
            createdAt: options.createdAt,
            correlationId: options.correlationId ?? null,
          },
          groups: [],
        };
        parts.push(current);
        bytes = 0;
      }
      const stored = current.document.groups.at(-1);
      const parsed = current.groups.at(-1);
      if (stored !== undefined && parsed !== undefined && stored.topic === group.topic) {
        stored.events.push(text);
        (parsed.events as DomainEvent[]).push(event);
      } else {
        current.document.groups.push({ topic: group.topic, events: [text] });
        current.groups.push({ topic: group.topic, events: [event] });
      }
      bytes += size;
    }
  }
  return parts;
}

/** The groups an outbox document holds, parsed back (the relay's path). */
export function groupsOf(document: OutboxDocument): OutboxGroup[] {
  return document.groups.map((group) => ({
    topic: group.topic,
    events: group.events.map((text) => JSON.parse(text) as DomainEvent),
  }));
}

/** Creates the outbox; see the comment at the top of this file for the delivery guarantees. */
export function createEventOutbox(options: EventOutboxOptions): EventOutbox {
  const { producer, repository, publishTimeoutMs } = options;
  const clock = options.clock ?? Date.now;
  const logger = options.logger.child({ component: 'event-outbox' });
  const inFlight = new Set<Promise<unknown>>();
  /** Fast-path publishes not yet acknowledged (or failed). */
  let publishing = 0;

  function track(work: Promise<unknown>): void {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  }

  async function send(topic: DomainTopic, events: readonly DomainEvent[], correlationId?: string) {
    const messages = events.map((event) => ({ key: domainEventKey(event), value: event }));
    await producer.publish(
      topic,
      messages as unknown as PublishMessage<typeof topic>[],
      correlationId === undefined ? {} : { correlationId },
    );
  }

  async function publishGroups(groups: readonly OutboxGroup[], correlationId: string | null) {
    for (const group of groups) {
      // The chunks of one group at once: one write holds each record once per topic, so no two
      // chunks share a key and the order per key (per partition) is kept. Groups stay in order.
      await Promise.all(
        chunks(group.events, PUBLISH_CHUNK).map((chunk) =>
          send(group.topic, chunk, correlationId ?? undefined),
        ),
      );
    }
  }

  async function publishAll(entries: readonly OutboxEntry[]): Promise<void> {
    for (const { document, groups } of entries) {
      await publishGroups(groups, document.correlationId);
      // The caller needs the acknowledgement, not the delete. A document left behind (a crash now)
      // only means the relay publishes its events once more, with the same ids.
      const remove = repository.remove(document._id).catch((err: unknown) => {
        logger.warn({ err }, 'could not delete a published outbox document; the relay will publish it again');
      });
      track(remove);
    }
  }

  const relay: Relay = createRelay<OutboxDocument>({
    name: 'outbox',
    intervalMs: options.relayIntervalMs,
    logger,
    findPending: () => repository.findOlderThan(new Date(clock() - options.relayMinAgeMs), RELAY_PAGE),
    publish: (document) => publishGroups(groupsOf(document), document.correlationId),
    markPublished: (document) => repository.remove(document._id),
  });

  return {
    async publish(groups, correlationId) {
      const entries = buildOutboxDocuments(groups, {
        createdAt: new Date(clock()),
        correlationId,
        ...(options.maxDocumentBytes === undefined ? {} : { maxBytes: options.maxDocumentBytes }),
      });
      if (entries.length === 0) return true;
      // Durable from here on; a failure rejects, so the write is not acknowledged.
      await repository.insert(entries.map((entry) => entry.document));
      const backlog = publishing;
      const work = publishAll(entries).then(
        () => true,
        (err: unknown) => {
          logger.warn({ err }, 'events not published yet; the relay will publish them');
          return false;
        },
      );
      track(work);
      publishing += 1;
      void work.finally(() => {
        publishing -= 1;
      });
      // Stored, so durable: the answer need not wait for the broker. It waits only when earlier
      // fast-path publishes are still unacknowledged (a slow or absent broker), so that a client
      // cannot pile up events in memory faster than the broker takes them.
      if (backlog < MAX_UNACKNOWLEDGED_PUBLISHES) return true;
      const published = (await withTimeout(work, publishTimeoutMs)) === true;
      if (!published)
        logger.warn({ publishTimeoutMs }, 'answering before the broker acknowledged every event');
      return published;
    },

    startRelay() {
      relay.start();
    },
    async runRelayOnce() {
      await relay.runOnce();
    },
    async stopRelay() {
      await relay.stop();
    },
    async drain(ms) {
      if (inFlight.size === 0) return;
      // Deletes are added while publishes finish: wait for rounds until nothing is left or time is up.
      const settle = async () => {
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      };
      await withTimeout(settle(), ms);
    },
  };
}
