import type { Logger } from '@eudr/service-kit';
import type { Registry } from 'prom-client';
import type { SecretBox } from '../subscriptions/secret-box';
import type { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import { createClaimPump } from './claim-pump';
import type { DeliveriesRepository } from './deliveries.repository';
import { createAttemptRunner } from './delivery-attempt';
import { createPhaseTimer } from './delivery-phases';
import { createDeliveryScheduler } from './delivery-scheduler';
import { createDuePoller } from './due-poller';
import { createRetryTimers } from './retry-timers';
import type { DeliveryDocument } from './delivery.model';
import type { WebhookSender } from './webhook-sender';

/** Options of {@link createDeliveryWorker}. */
export interface CreateDeliveryWorkerOptions {
  deliveries: DeliveriesRepository;
  subscriptions: SubscriptionsRepository;
  sender: WebhookSender;
  secrets: SecretBox;
  /** The integration's status from the token projection; undefined when unknown. */
  integrationStatus: (integrationId: string) => 'ACTIVE' | 'INACTIVE' | undefined;
  logger: Logger;
  /** Names this replica in leases. */
  owner: string;
  /** Pause before each retry, e.g. [1000, 5000, 30000]: 1 + length attempts at most. */
  retryDelaysMs: readonly number[];
  concurrency: number;
  perSubscriptionConcurrency: number;
  maxConsecutiveFailures: number;
  leaseMs: number;
  pollIntervalMs: number;
  /** Epoch milliseconds; default `Date.now`. */
  clock?: () => number;
  /** Where to register the phase timings (`webhook_delivery_phase_seconds`); default none. */
  metrics?: Registry;
}

/** The delivery worker of one replica; see {@link createDeliveryWorker}. */
export interface DeliveryWorker {
  /** Starts polling (at once, then every poll interval). */
  start(): void;
  /** Deliveries just stored (PENDING) by this replica's consumer: attempt them now, not at a poll. */
  enqueue(deliveries: readonly Pick<DeliveryDocument, '_id' | 'subscriptionId' | 'status'>[]): void;
  /**
   * Stops taking work, lets attempts in flight finish for up to `drainMs`, then gives back the leases
   * of those still running so that another replica retries them at once. Idempotent.
   */
  stop(drainMs: number): Promise<void>;
  /** True while started and not stopping. */
  isRunning(): boolean;
  stats(): { inFlight: number; queued: number; scheduledRetries: number };
}

/**
 * Sends PENDING deliveries, any number of replicas at once: each attempt is claimed with a lease in one
 * conditional update (one replica wins it; a crashed replica's lease expires and another takes the
 * attempt over), made by the attempt runner, and its outcome written under the lease.
 *
 * Work arrives three ways: the consumer hands over what it stored (no wait), this replica's own retries
 * are timed locally, and a poll of MongoDB finds everything else that is due (other replicas' work after
 * a crash, retries that outlived a restart). Fairness between subscriptions is the scheduler's job.
 */
export function createDeliveryWorker(options: CreateDeliveryWorkerOptions): DeliveryWorker {
  const clock = options.clock ?? Date.now;
  const log = options.logger.child({ component: 'delivery-worker' });
  const scheduler = createDeliveryScheduler({
    concurrency: options.concurrency,
    perSubscription: options.perSubscriptionConcurrency,
  });
  const timed = createPhaseTimer(options.metrics);
  const attempts = createAttemptRunner({ ...options, clock, log, timed });
  let running = false;
  let stopping = false;
  let stopped: Promise<void> | null = null;
  const retries = createRetryTimers(clock, (id, subscriptionId) => {
    scheduler.add(id, subscriptionId);
    claims.pump();
  });
  const claims = createClaimPump({
    ...options,
    scheduler,
    clock,
    log,
    timed,
    stopping: () => !running || stopping,
    async attempt(delivery, lease, subscription) {
      const retryAt = await attempts.run(delivery, lease, subscription);
      if (retryAt !== null && !stopping) retries.schedule(delivery, retryAt);
    },
  });
  const poller = createDuePoller({
    ...options,
    clock,
    log,
    scheduler,
    active: () => running && !stopping,
    isTimed: (id) => retries.has(id),
    pump: () => claims.pump(),
  });

  async function stop(drainMs: number): Promise<void> {
    stopping = true;
    poller.cancel();
    claims.cancel();
    retries.clear();
    scheduler.clear();
    await claims.drain(drainMs);
    running = false;
  }

  return {
    start() {
      if (running) return;
      running = true;
      poller.start();
    },
    enqueue(items) {
      if (!running || stopping) return;
      for (const item of items) if (item.status === 'PENDING') scheduler.add(item._id, item.subscriptionId);
      claims.pump();
    },
    stop(drainMs) {
      stopped ??= stop(drainMs);
      return stopped;
    },
    isRunning: () => running && !stopping,
    stats: () => ({
      inFlight: scheduler.inFlight(),
      queued: scheduler.queued(),
      scheduledRetries: retries.size(),
    }),
  };
}
