import { createPeriodicTask } from '@eudr/service-kit';
import type { Logger, PeriodicTask } from '@eudr/service-kit';
import type { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import type { DeliveriesRepository } from './deliveries.repository';

/** Nothing younger than this is deleted, whatever the clocks of other replicas say. */
export const HOUSEKEEPING_GRACE_MS = 10 * 60_000;

/**
 * Old strikes looked at per run; the rest wait for the next run. Current runs' strikes are looked at
 * again every run, so this must exceed them: 500 subscriptions failing at the same time at most 10
 * strikes each.
 */
const STRIKES_PER_RUN = 5_000;

/** Options of {@link createHousekeeping}. */
export interface HousekeepingOptions {
  deliveries: Pick<DeliveriesRepository, 'deleteClaimsBefore'>;
  subscriptions: Pick<SubscriptionsRepository, 'deleteEndedFailureRuns'>;
  logger: Logger;
  /** `WEBHOOK_LEASE_MS`: claims are kept for two leases plus {@link HousekeepingOptions.graceMs}. */
  leaseMs: number;
  /** Extra age before anything is deleted, for clock differences between replicas. */
  graceMs: number;
  intervalMs: number;
  now?: () => Date;
}

/** What one run deleted. */
export interface HousekeepingResult {
  claims: number;
  strikes: number;
}

/**
 * Deletes the bookkeeping that nothing reads any more, since FerretDB has no TTL indexes: delivery
 * claims older than two leases (a claim is read only in its own lease period and the next) and the
 * failure strikes of runs that ended (a 2xx or a re-enable started a new epoch, or the subscription
 * was deleted). Deliveries and their history are not touched. Any replica may run it; the deletes are
 * idempotent.
 */
export function createHousekeeping(options: HousekeepingOptions): PeriodicTask<HousekeepingResult> {
  const logger = options.logger.child({ component: 'housekeeping' });
  const now = options.now ?? (() => new Date());
  return createPeriodicTask({
    name: 'webhooks-housekeeping',
    intervalMs: options.intervalMs,
    logger,
    async run() {
      const at = now().getTime();
      const claims = await options.deliveries.deleteClaimsBefore(
        new Date(at - 2 * options.leaseMs - options.graceMs),
      );
      const strikes = await options.subscriptions.deleteEndedFailureRuns(
        new Date(at - options.graceMs),
        STRIKES_PER_RUN,
      );
      if (claims > 0 || strikes > 0) logger.info({ claims, strikes }, 'deleted stale delivery bookkeeping');
      return { claims, strikes };
    },
  });
}
