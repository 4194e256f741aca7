import { envInteger } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { mongo } from 'mongoose';
import type { EventProducer } from '../producer';
import { createRelay } from '../relay';
import type { Relay } from '../relay';
import type { DomainEvent } from '../schemas/domain-events.schemas';
import type { DomainTopic } from '../topics';
import { createFastPath, publishGroups } from './outbox-publish';
import type { OutboxDocument, OutboxDocumentGroup, OutboxRepository } from './outbox-store';

/*
 * Publishing without losing anything, with no transactions. A write (1) inserts its outbox document,
 * `writing: true`, whose `_id` every record it then changes carries as `writeId`; (2) once its records
 * are written, stores every event it owes in that document and clears `writing` in one conditional
 * update, and only then is acknowledged; (3) publishes at once and deletes the document once the
 * broker acknowledged everything. The relay publishes what is left (broker down, a crash after 2);
 * a document still `writing` belongs to a write that died after 1: its events are rebuilt from the
 * records carrying its id (`recover`), stored by the same conditional update so that the writer and
 * every replica's relay agree on one set, then published. So a crash at any point loses neither record
 * nor event; delivery is at least once, always with the same event id.
 *
 * Created or updated: an event is `*.created` when its write inserted the record (the upsert's
 * `upsertedIds`; a rebuilt one when the record is at version 1), otherwise `*.updated`.
 */

/** Events of one topic to publish in order. */
export interface OutboxGroup {
  topic: DomainTopic;
  events: readonly DomainEvent[];
}

/** Rebuilds the events of a write that died before storing them, from the records carrying its id. */
export type WriteRecovery = (writeId: mongo.ObjectId, correlationId: string | null) => Promise<OutboxGroup[]>;

/** Options of {@link createEventOutbox}. */
export interface EventOutboxOptions {
  /** Connected producer; the caller owns it. */
  producer: EventProducer;
  repository: OutboxRepository;
  recover: WriteRecovery;
  logger: Logger;
  publishTimeoutMs: number;
  relayIntervalMs: number;
  relayMinAgeMs: number;
  /** Epoch milliseconds; default `Date.now`. */
  clock?: () => number;
}

/** One write under way; see {@link EventOutbox.begin}. */
export interface OutboxWrite {
  /** Every record the write changes carries it as `writeId`. */
  readonly id: mongo.ObjectId;
  /**
   * Stores the events the write owes (in order; none at all is fine) and publishes them at once, then
   * deletes the document once the broker acknowledged everything. Resolves once they are stored
   * (true), unless earlier publishes are still unacknowledged: then it waits for the broker at most
   * `publishTimeoutMs` and resolves whether everything was acknowledged in that time.
   * @throws when the events could not be stored: the write must not be acknowledged (the relay
   *   announces what it changed).
   */
  commit(groups: readonly OutboxGroup[]): Promise<boolean>;
}

/** The outbox of every write's events, its fast path and its relay. */
export interface EventOutbox {
  /** Stores the outbox document of a write; resolve it before the write changes its first record. */
  begin(correlationId?: string): Promise<OutboxWrite>;
  /** Starts the relay (first run at once). */
  startRelay(): void;
  /** Runs the relay once now (joins a run in progress). */
  runRelayOnce(): Promise<void>;
  /** Stops the relay, waiting for a run in progress. */
  stopRelay(): Promise<void>;
  /** Waits up to `ms` for fast-path publishes and deletes still in flight (at shutdown). */
  drain(ms: number): Promise<void>;
}

/** Most outbox documents one relay run takes (each up to 500 records' events); the rest wait. */
const RELAY_PAGE = 20;

/** The groups as stored: the non-empty ones, each event as its JSON text. */
export function storedGroupsOf(groups: readonly OutboxGroup[]): OutboxDocumentGroup[] {
  return groups
    .filter((group) => group.events.length > 0)
    .map((group) => ({ topic: group.topic, events: group.events.map((event) => JSON.stringify(event)) }));
}

/** The groups an outbox document holds, parsed back (the relay's path). */
export function groupsOf(document: OutboxDocument): OutboxGroup[] {
  return document.groups.map((group) => ({
    topic: group.topic,
    events: group.events.map((text) => JSON.parse(text) as DomainEvent),
  }));
}

/** The events of an old document to publish: its own, or a died write's rebuilt; null when gone. */
async function eventsOf(
  { recover, repository, logger }: Pick<EventOutboxOptions, 'recover' | 'repository' | 'logger'>,
  document: OutboxDocument,
): Promise<OutboxGroup[] | null> {
  if (!document.writing) return groupsOf(document);
  const recovered = await recover(document._id, document.correlationId);
  if (await repository.finish(document._id, storedGroupsOf(recovered))) {
    logger.warn({ writeId: document._id.toHexString() }, 'announcing the records of a write that died');
    return recovered;
  }
  // Finished meanwhile by its writer or another replica's relay: publish what that one stored.
  const current = await repository.findOne(document._id);
  return current === null || current.writing ? null : groupsOf(current);
}

/** Creates the outbox; see the comment at the top of this file. */
export function createEventOutbox(options: EventOutboxOptions): EventOutbox {
  const { producer, repository } = options;
  const clock = options.clock ?? Date.now;
  const logger = options.logger.child({ component: 'event-outbox' });
  const fastPath = createFastPath({
    producer,
    repository,
    logger,
    publishTimeoutMs: options.publishTimeoutMs,
  });

  const relay: Relay = createRelay<OutboxDocument>({
    name: 'outbox',
    intervalMs: options.relayIntervalMs,
    logger,
    findPending: () => repository.findOlderThan(new Date(clock() - options.relayMinAgeMs), RELAY_PAGE),
    publish: async (document) => {
      const groups = await eventsOf({ ...options, logger }, document);
      if (groups !== null) await publishGroups(producer, groups, document.correlationId);
    },
    markPublished: (document) => repository.remove(document._id),
  });

  async function begin(correlationId?: string): Promise<OutboxWrite> {
    const id = new mongo.ObjectId();
    const createdAt = new Date(clock());
    const correlation = correlationId ?? null;
    await repository.insert({ _id: id, writing: true, groups: [], createdAt, correlationId: correlation });

    async function commit(groups: readonly OutboxGroup[]): Promise<boolean> {
      const stored = storedGroupsOf(groups);
      let documentId = id;
      // Durable from here on; a failure rejects, so the write is not acknowledged.
      if (!(await repository.finish(id, stored))) {
        // A relay took this write for a died one (it ran longer than relayMinAgeMs): keep these events
        // in a document of their own.
        documentId = new mongo.ObjectId();
        await repository.insert({
          _id: documentId,
          writing: false,
          groups: stored,
          createdAt,
          correlationId: correlation,
        });
      }
      return fastPath.publish(documentId, groups, correlation);
    }

    return { id, commit };
  }

  return {
    begin,
    startRelay() {
      relay.start();
    },
    async runRelayOnce() {
      await relay.runOnce();
    },
    async stopRelay() {
      await relay.stop();
    },
    drain: (ms) => fastPath.drain(ms),
  };
}

/**
 * The outbox variables of a service that publishes domain events; spread them into its schema:
 *
 * - `PUBLISH_TIMEOUT_MS` (default 2000): while earlier events are still unacknowledged, how long a
 *   write waits for the broker to acknowledge its own before answering anyway (they stay in the
 *   outbox and the relay publishes them),
 * - `RELAY_INTERVAL_MS` (default 5000): pause between runs of the relay,
 * - `RELAY_MIN_AGE_MS` (default 10000): the relay leaves younger outbox documents to the request
 *   that wrote them, which is usually still publishing them (fewer duplicates; none is lost either way).
 */
export const outboxConfigShape = {
  PUBLISH_TIMEOUT_MS: envInteger({ min: 1, max: 60_000, fallback: 2_000 }),
  RELAY_INTERVAL_MS: envInteger({ min: 10, max: 3_600_000, fallback: 5_000 }),
  RELAY_MIN_AGE_MS: envInteger({ min: 0, max: 3_600_000, fallback: 10_000 }),
};

/** The timings of {@link createEventOutbox} from a configuration with {@link outboxConfigShape}. */
export function outboxTimingsFromConfig(config: {
  PUBLISH_TIMEOUT_MS: number;
  RELAY_INTERVAL_MS: number;
  RELAY_MIN_AGE_MS: number;
}): Pick<EventOutboxOptions, 'publishTimeoutMs' | 'relayIntervalMs' | 'relayMinAgeMs'> {
  return {
    publishTimeoutMs: config.PUBLISH_TIMEOUT_MS,
    relayIntervalMs: config.RELAY_INTERVAL_MS,
    relayMinAgeMs: config.RELAY_MIN_AGE_MS,
  };
}
