import { withTimeout } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { mongo } from 'mongoose';
import { chunks } from '../chunks';
import type { EventProducer } from '../producer';
import { domainEventKey } from '../schemas/domain-events.schemas';
import type { DomainEvent } from '../schemas/domain-events.schemas';
import type { DomainTopic } from '../topics';
import type { OutboxGroup } from './outbox';
import type { OutboxRepository } from './outbox-store';

/** Events per produce request: 500 records of a few KB would pass the broker's 1 MB batch limit. */
const PUBLISH_CHUNK = 100;
/**
 * Fast-path publishes still waiting for the broker beyond which a write waits (up to
 * `publishTimeoutMs`) for its own acknowledgement before answering.
 */
const MAX_UNACKNOWLEDGED_PUBLISHES = 4;

/** Publishes the groups in order; resolves once the broker acknowledged every event. */
export async function publishGroups(
  producer: EventProducer,
  groups: readonly OutboxGroup[],
  correlationId: string | null,
): Promise<void> {
  const options = correlationId === null ? {} : { correlationId };
  for (const group of groups) {
    // The chunks of one group at once: a record's events in one write are adjacent and at most two,
    // so they share a chunk and the order per key (per partition) is kept. Groups stay in order.
    await Promise.all(
      chunks(group.events, PUBLISH_CHUNK).map((chunk) =>
        producer.publish<DomainTopic>(
          group.topic,
          chunk.map((event: DomainEvent) => ({ key: domainEventKey(event), value: event })),
          options,
        ),
      ),
    );
  }
}

/** The outbox's fast path; see {@link createFastPath}. */
export interface FastPath {
  /**
   * Publishes a committed write's events at once and deletes its document once the broker
   * acknowledged them; resolves as `OutboxWrite.commit` does.
   */
  publish(
    documentId: mongo.ObjectId,
    groups: readonly OutboxGroup[],
    correlationId: string | null,
  ): Promise<boolean>;
  /** Waits up to `ms` for publishes and deletes still in flight. */
  drain(ms: number): Promise<void>;
}

/**
 * The publishes that follow a commit, and the deletes that follow them, tracked so that shutdown can
 * wait for them and so that a slow broker slows writers down instead of piling up events in memory.
 */
export function createFastPath(deps: {
  producer: EventProducer;
  repository: OutboxRepository;
  logger: Logger;
  publishTimeoutMs: number;
}): FastPath {
  const { logger, publishTimeoutMs } = deps;
  const inFlight = new Set<Promise<unknown>>();
  /** Publishes not yet acknowledged (or failed). */
  let publishing = 0;

  function track(work: Promise<unknown>): void {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  }

  function removeLater(documentId: mongo.ObjectId): void {
    // The caller needs the acknowledgement, not the delete. A document left behind (a crash now)
    // only means the relay publishes its events once more, with the same ids.
    track(
      deps.repository.remove(documentId).catch((err: unknown) => {
        logger.warn({ err }, 'could not delete a published outbox document; the relay will publish it again');
      }),
    );
  }

  return {
    async publish(documentId, groups, correlationId) {
      const backlog = publishing;
      const work = publishGroups(deps.producer, groups, correlationId).then(
        () => {
          removeLater(documentId);
          return true;
        },
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
      // publishes are still unacknowledged (a slow or absent broker).
      if (backlog < MAX_UNACKNOWLEDGED_PUBLISHES) return true;
      const published = (await withTimeout(work, publishTimeoutMs)) === true;
      if (!published)
        logger.warn({ publishTimeoutMs }, 'answering before the broker acknowledged every event');
      return published;
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
