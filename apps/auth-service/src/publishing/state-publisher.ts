import { withTimeout } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';

/** What a published record carries: its id, state version and publish generation. */
export interface PublishableRecord {
  _id: string;
  version: number;
  publishGeneration: number;
}

/** The storage side of publishing one kind of state (tokens, integrations). Not tenant-scoped: internal. */
export interface PublishableStore<R extends PublishableRecord> {
  /** The current record, whatever its organisation. */
  findForPublication(id: string): Promise<R | null>;
  /** Records flagged `publishPending` whose last change is at or before `olderThan`, oldest first. */
  findPendingPublication(olderThan: Date, limit: number): Promise<R[]>;
  /**
   * Records that `version` is on the topic: sets `publishedVersion` and clears `publishPending`, only if
   * the record is still at that version and generation. False when it has moved on.
   */
  markPublished(id: string, version: number, generation: number): Promise<boolean>;
  /** Flags the record for publication again and bumps its generation. */
  requestRepublish(id: string): Promise<void>;
}

/** One kind of state: where it is stored and how it is sent to its topic. */
export interface StateChannel<R extends PublishableRecord> {
  /** For logs: `token` or `integration`. */
  kind: string;
  store: PublishableStore<R>;
  /** Publishes the record's full state; resolves when the broker acknowledged it. */
  send(record: R): Promise<void>;
}

/**
 * `record` as published so far: when the broker acknowledged its state just now, its `publishedVersion`
 * is its version (stored by the background mark a moment later), so answers can say so at once.
 */
export function withPublication<R extends PublishableRecord & { publishedVersion: number }>(
  record: R,
  acknowledged: boolean,
): R {
  return acknowledged ? { ...record, publishedVersion: record.version } : record;
}

/** Options of {@link createStatePublisher}. */
export interface StatePublisherOptions {
  logger: Logger;
  /** How long {@link StatePublisher.publishAfterWrite} waits for the broker before giving up waiting. */
  publishTimeoutMs: number;
  /** Republish rounds after a lost race before leaving the record to the relay. Default 3. */
  maxRounds?: number;
}

/** Publishes state changes right after they are written; see {@link createStatePublisher}. */
export interface StatePublisher {
  /**
   * The fast path after a write: publishes `record`, resolving once the broker acknowledged it, or after
   * `publishTimeoutMs` at most; the publish carries on in the background after that, and the relay
   * covers it if it fails. Marking the record published happens in the background too. Never throws:
   * MongoDB already holds the truth. True when acknowledged in time.
   */
  publishAfterWrite<R extends PublishableRecord>(channel: StateChannel<R>, record: R): Promise<boolean>;
  /**
   * After `record` was sent and acknowledged: marks it published, or, when the stored record has moved
   * on meanwhile, publishes the current state again (see the module comment). Used by the relay.
   */
  settle<R extends PublishableRecord>(channel: StateChannel<R>, record: R): Promise<void>;
  /** Waits (at most `timeoutMs`) for background publishes to end; call before disconnecting the producer. */
  drain(timeoutMs: number): Promise<void>;
}

/*
 * Why `settle` republishes. Values on the compacted topics are full states and compaction keeps the
 * last one per key, so the last message for a key must carry the newest version. Two publishers of the
 * same record (this request's fast path and the relay, possibly in another replica) can race: the
 * older state can reach the broker after the newer one. Every publisher therefore checks, after its
 * acknowledgement, that the record is still at the version it sent (`markPublished`). If not, its
 * message may have landed after a newer one, so it publishes the current state again. Whoever writes
 * version N publishes after writing it, so the last acknowledged message always ends up carrying the
 * newest version. If such a republish fails, `requestRepublish` bumps the generation so that no
 * concurrent acknowledgement of the same version can clear the pending flag, and the relay retries.
 */
export function createStatePublisher(options: StatePublisherOptions): StatePublisher {
  const logger = options.logger.child({ component: 'state-publisher' });
  const maxRounds = options.maxRounds ?? 3;
  const inFlight = new Set<Promise<unknown>>();

  async function settle<R extends PublishableRecord>(channel: StateChannel<R>, record: R): Promise<void> {
    let current = record;
    for (let round = 0; ; round += 1) {
      if (await channel.store.markPublished(current._id, current.version, current.publishGeneration)) return;
      const latest = await channel.store.findForPublication(current._id);
      if (latest === null) return;
      if (round >= maxRounds) {
        logger.warn(
          { kind: channel.kind, id: current._id, version: latest.version },
          'state keeps changing while it is published; leaving it to the relay',
        );
        await channel.store.requestRepublish(current._id);
        return;
      }
      try {
        await channel.send(latest);
      } catch (err) {
        await channel.store.requestRepublish(current._id);
        throw err;
      }
      current = latest;
    }
  }

  return {
    async publishAfterWrite(channel, record) {
      const sent = channel.send(record);
      // Marking the record published (and any republish) continues after the answer: the client only
      // needs the state to be on the topic, and the mark is one more database round trip.
      const delivery = sent
        .then(() => settle(channel, record))
        .catch((err: unknown) => {
          logger.warn(
            { err, kind: channel.kind, id: record._id, version: record.version },
            'state not published; the relay will publish it',
          );
        });
      inFlight.add(delivery);
      void delivery.finally(() => inFlight.delete(delivery));

      const outcome = await withTimeout(
        sent.then(
          () => 'acknowledged' as const,
          () => 'failed' as const,
        ),
        options.publishTimeoutMs,
      );
      if (outcome === 'timeout') {
        logger.warn(
          {
            kind: channel.kind,
            id: record._id,
            version: record.version,
            timeoutMs: options.publishTimeoutMs,
          },
          'broker did not acknowledge the state in time; answering anyway, publication continues in the background',
        );
      }
      return outcome === 'acknowledged';
    },

    settle,

    async drain(timeoutMs) {
      if (inFlight.size === 0) return;
      await withTimeout(Promise.allSettled([...inFlight]), timeoutMs);
    },
  };
}
