import { createPeriodicTask } from '@eudr/service-kit';
import type { PeriodicTask } from '@eudr/service-kit';
import type { Logger } from 'pino';
import { EventValidationError } from './errors';

/** Options of {@link createRelay}. */
export interface CreateRelayOptions<T> {
  /** Names the relay in logs, e.g. `token-state`. */
  name: string;
  /** Pause between the end of one run and the start of the next. */
  intervalMs: number;
  logger: Logger;
  /** The items not yet acknowledged by the broker, oldest first (bound the count yourself). */
  findPending: () => Promise<T[]>;
  /** Publishes one item; resolves once the broker acknowledged it. */
  publish: (item: T) => Promise<void>;
  /** Records that this item (at the state it was published in) needs no republishing. */
  markPublished: (item: T) => Promise<void>;
}

/** What one run did. */
export interface RelayRunResult {
  /** Items published and marked. */
  published: number;
  /** Items skipped because they failed validation (they stay pending and are retried next run). */
  invalid: number;
  /** False when the run stopped early on an error (it is retried on the next tick). */
  completed: boolean;
}

/**
 * A periodic republisher; see {@link createRelay}. `start` runs at once and then every `intervalMs`
 * after the previous run ends; `runOnce` joins a run in progress; `stop` waits for it.
 */
export type Relay = PeriodicTask<RelayRunResult>;

/**
 * Creates the recovery path of "publish without losing anything": periodically finds the items whose
 * latest state the broker has not acknowledged (e.g. `version > publishedVersion`), publishes them one
 * by one, oldest first, and marks each as published.
 *
 * Runs never overlap: the next tick is scheduled only after a run ends, and a manual `runOnce()` joins
 * the run in progress. A failed publish ends the run (the broker is probably away; the remaining
 * items would fail the same way) and is retried on the next tick. An item failing validation is
 * logged and skipped so that it cannot hold back the others. Because the values are full states on
 * compacted topics, publishing an item twice is harmless.
 */
export function createRelay<T>(options: CreateRelayOptions<T>): Relay {
  const logger = options.logger.child({ component: 'relay', relay: options.name });

  async function run(): Promise<RelayRunResult> {
    const result: RelayRunResult = { published: 0, invalid: 0, completed: false };
    let items: T[];
    try {
      items = await options.findPending();
    } catch (err) {
      logger.warn({ err }, 'relay could not list pending items; retrying on the next tick');
      return result;
    }
    for (const item of items) {
      try {
        await options.publish(item);
      } catch (err) {
        if (err instanceof EventValidationError) {
          result.invalid += 1;
          logger.error({ err }, 'relay skipped an item that fails validation');
          continue;
        }
        logger.warn(
          { err, pending: items.length - result.published },
          'relay publish failed; retrying on the next tick',
        );
        return result;
      }
      try {
        await options.markPublished(item);
      } catch (err) {
        // Published but not marked: the next run publishes it again, which is harmless.
        logger.warn({ err }, 'relay could not mark an item published; retrying on the next tick');
        return result;
      }
      result.published += 1;
    }
    if (result.published > 0) logger.info({ published: result.published }, 'relay republished pending items');
    result.completed = true;
    return result;
  }

  // Runs never reject: every failure is logged above and retried on the next tick.
  return createPeriodicTask({ name: options.name, intervalMs: options.intervalMs, logger, run });
}
