import type { Logger } from '@eudr/service-kit';
import type { DeliveriesRepository } from './deliveries.repository';
import type { DeliveryScheduler } from './delivery-scheduler';

/** How many due deliveries one poll loads at most. */
const POLL_BATCH = 500;

/**
 * Polls MongoDB for due deliveries every `pollIntervalMs` (and once at start): other replicas' work
 * after a crash, retries that outlived a restart.
 */
export function createDuePoller(options: {
  deliveries: Pick<DeliveriesRepository, 'findDue'>;
  scheduler: DeliveryScheduler;
  concurrency: number;
  perSubscriptionConcurrency: number;
  pollIntervalMs: number;
  clock: () => number;
  log: Logger;
  active: () => boolean;
  /** True when this replica times the delivery's retry itself. */
  isTimed: (id: string) => boolean;
  pump: () => void;
}) {
  const { scheduler } = options;
  let pollTimer: NodeJS.Timeout | null = null;
  let polling = false;

  async function poll(): Promise<void> {
    if (polling || !options.active()) return;
    // Enough local work queued already: what the poll would find is picked up by a later one.
    if (scheduler.queued() >= options.concurrency) return;
    polling = true;
    try {
      const due = await options.deliveries.findDue(
        new Date(options.clock()),
        POLL_BATCH,
        // A subscription with a long local queue is left out, so one backlog cannot fill the batch.
        scheduler.saturated(options.perSubscriptionConcurrency * 4),
      );
      for (const item of due) if (!options.isTimed(item.id)) scheduler.add(item.id, item.subscriptionId);
      options.pump();
    } catch (err) {
      options.log.warn({ err }, 'polling due deliveries failed; trying again at the next poll');
    } finally {
      polling = false;
    }
  }

  function schedulePoll(): void {
    pollTimer = setTimeout(() => {
      void poll().finally(() => {
        if (options.active()) schedulePoll();
      });
    }, options.pollIntervalMs);
    pollTimer.unref();
  }

  return {
    start() {
      void poll();
      schedulePoll();
    },
    cancel() {
      if (pollTimer !== null) clearTimeout(pollTimer);
    },
  };
}
