import { performance } from 'node:perf_hooks';
import { withTimeout } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { SubscriptionDocument } from '../subscriptions/subscription.model';
import type { SecretBox } from '../subscriptions/secret-box';
import type { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import type { DeliveriesRepository } from './deliveries.repository';
import type { DeliveryDocument } from './delivery.model';
import { createAttemptRunner } from './delivery-attempt';
import type { Timed } from './delivery-attempt';
import { createDeliveryScheduler } from './delivery-scheduler';
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

/** How many due deliveries one poll loads at most. */
const POLL_BATCH = 500;
/** How long freed slots are collected before they are refilled by one batch claim. */
const PUMP_COALESCE_MS = 5;
/** Buckets in seconds for the phase timings. */
const PHASE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Sends PENDING deliveries, any number of replicas at once: each attempt is claimed with a lease in one
 * conditional update (one replica wins it; a crashed replica's lease expires and another takes the
 * attempt over), made by the attempt runner, and its outcome written under the lease.
 *
 * Work arrives three ways: the consumer hands over what it stored (no wait), this replica's own retries
 * are timed locally, and a poll of MongoDB finds everything else that is due (other replicas' work after
 * a crash, retries that outlived a restart). Fairness between subscriptions is the scheduler's job:
 * only what it lets start is claimed, so a claimed delivery is always being attempted.
 */
export function createDeliveryWorker(options: CreateDeliveryWorkerOptions): DeliveryWorker {
  const { deliveries, subscriptions, owner } = options;
  const clock = options.clock ?? Date.now;
  const log = options.logger.child({ component: 'delivery-worker' });
  const scheduler = createDeliveryScheduler({
    concurrency: options.concurrency,
    perSubscription: options.perSubscriptionConcurrency,
  });
  const retryTimers = new Map<string, NodeJS.Timeout>();
  // The lease of each attempt in flight, by delivery id (given back at shutdown).
  const leases = new Map<string, string>();
  const work = new Set<Promise<void>>();
  const phases =
    options.metrics === undefined
      ? null
      : new Histogram({
          name: 'webhook_delivery_phase_seconds',
          help: 'Time spent per phase of webhook delivery (claim and lookup per batch; send, outcome and record per attempt)',
          labelNames: ['phase'] as const,
          buckets: PHASE_BUCKETS,
          registers: [options.metrics],
        });
  const timed: Timed = async (phase, run) => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      phases?.observe({ phase }, (performance.now() - started) / 1000);
    }
  };
  const attempts = createAttemptRunner({ ...options, clock, log, timed });

  let pumpTimer: NodeJS.Timeout | null = null;
  let claiming = false;
  let pumpAfterClaim = false;
  let pollTimer: NodeJS.Timeout | null = null;
  let polling = false;
  let running = false;
  let stopping = false;
  let stopped: Promise<void> | null = null;

  const track = (promise: Promise<void>): void => {
    work.add(promise);
    void promise.finally(() => work.delete(promise));
  };

  /**
   * Starts what the scheduler allows, as one batch claim. One claim at a time: slots freed while a claim
   * is under way are refilled by the next one, so the batches grow with the database's latency instead
   * of each freed slot costing its own claim command.
   */
  function pump(): void {
    if (!running || stopping) return;
    if (claiming) {
      pumpAfterClaim = true;
      return;
    }
    const batch: { id: string; subscriptionId: string }[] = [];
    for (let next = scheduler.next(); next !== null; next = scheduler.next()) batch.push(next);
    if (batch.length > 0) track(claimAndRun(batch));
  }

  /** Pumps soon rather than now while attempts are in flight: slots freed together share one claim. */
  function pumpSoon(): void {
    if (scheduler.inFlight() === 0) {
      pump();
      return;
    }
    pumpTimer ??= setTimeout(() => {
      pumpTimer = null;
      pump();
    }, PUMP_COALESCE_MS);
  }

  async function claimAndRun(batch: { id: string; subscriptionId: string }[]): Promise<void> {
    let lease = '';
    let claimed: DeliveryDocument[] = [];
    claiming = true;
    try {
      ({ lease, deliveries: claimed } = await timed('claim', () =>
        deliveries.claim(
          batch.map((item) => item.id),
          owner,
          new Date(clock()),
          options.leaseMs,
        ),
      ));
    } catch (err) {
      log.warn(
        { err, deliveries: batch.length },
        'claiming deliveries failed; the poll will find them again',
      );
    } finally {
      claiming = false;
    }
    // Lost to another replica, settled already, or not due: not ours to attempt.
    const claimedIds = new Set(claimed.map((delivery) => delivery._id));
    for (const item of batch) if (!claimedIds.has(item.id)) scheduler.done(item.id, item.subscriptionId);
    if (pumpAfterClaim) {
      pumpAfterClaim = false;
      pumpSoon();
    }
    if (claimed.length === 0) {
      pumpSoon();
      return;
    }
    // Each subscription of the batch is read once, after the claim: its state (active, url, secret,
    // failure period) is as current for every attempt of the batch as a read per attempt would be.
    const lookups = new Map<string, Promise<SubscriptionDocument | null>>();
    // By organisation and id: a delivery only ever reaches a subscription of its own organisation.
    const lookupKey = (delivery: DeliveryDocument) => `${delivery.orgId}/${delivery.subscriptionId}`;
    for (const delivery of claimed) {
      const key = lookupKey(delivery);
      if (!lookups.has(key))
        lookups.set(key, subscriptions.findById(delivery.orgId, delivery.subscriptionId));
    }
    const lookedUp = timed('lookup', () => Promise.all(lookups.values()));
    // Handled per attempt below; this only keeps a failed lookup from going unobserved.
    lookedUp.catch(() => undefined);
    await Promise.all(
      claimed.map(async (delivery) => {
        leases.set(delivery._id, lease);
        try {
          await lookedUp;
          const subscription = await (lookups.get(
            lookupKey(delivery),
          ) as Promise<SubscriptionDocument | null>);
          if (stopping) {
            await deliveries.release(lease, [delivery._id]);
            return;
          }
          const retryAt = await attempts.run(delivery, lease, subscription);
          if (retryAt !== null) scheduleRetry(delivery, retryAt);
        } catch (err) {
          // The lease stays until it expires; then the attempt is claimed again.
          log.error({ err, deliveryId: delivery._id }, 'delivery attempt failed unexpectedly');
        } finally {
          leases.delete(delivery._id);
          scheduler.done(delivery._id, delivery.subscriptionId);
          pumpSoon();
        }
      }),
    );
  }

  function scheduleRetry({ _id, subscriptionId }: DeliveryDocument, dueAt: number): void {
    if (stopping) return;
    const timer = setTimeout(
      () => {
        retryTimers.delete(_id);
        scheduler.add(_id, subscriptionId);
        pump();
      },
      Math.max(0, dueAt - clock()) + 5,
    );
    timer.unref();
    retryTimers.set(_id, timer);
  }

  async function poll(): Promise<void> {
    if (polling || !running || stopping) return;
    // Enough local work queued already: what the poll would find is picked up by a later one.
    if (scheduler.queued() >= options.concurrency) return;
    polling = true;
    try {
      const due = await deliveries.findDue(
        new Date(clock()),
        POLL_BATCH,
        // A subscription with a long local queue is left out, so one backlog cannot fill the batch.
        scheduler.saturated(options.perSubscriptionConcurrency * 4),
      );
      for (const item of due) if (!retryTimers.has(item.id)) scheduler.add(item.id, item.subscriptionId);
      pump();
    } catch (err) {
      log.warn({ err }, 'polling due deliveries failed; trying again at the next poll');
    } finally {
      polling = false;
    }
  }

  function schedulePoll(): void {
    pollTimer = setTimeout(() => {
      void poll().finally(() => {
        if (running && !stopping) schedulePoll();
      });
    }, options.pollIntervalMs);
    pollTimer.unref();
  }

  /** Gives back the leases of attempts still running (a shutdown that outlasted its drain time). */
  async function releaseAll(): Promise<void> {
    const byLease = new Map<string, string[]>();
    for (const [id, lease] of leases) byLease.set(lease, [...(byLease.get(lease) ?? []), id]);
    log.warn({ inFlight: leases.size }, 'attempts still running at shutdown; releasing their leases');
    await Promise.all([...byLease].map(([lease, ids]) => deliveries.release(lease, ids))).catch(
      (err: unknown) => log.warn({ err }, 'could not release leases'),
    );
  }

  return {
    start() {
      if (running) return;
      running = true;
      void poll();
      schedulePoll();
    },
    enqueue(items) {
      if (!running || stopping) return;
      for (const item of items) if (item.status === 'PENDING') scheduler.add(item._id, item.subscriptionId);
      pump();
    },
    stop(drainMs) {
      stopped ??= (async () => {
        stopping = true;
        if (pollTimer !== null) clearTimeout(pollTimer);
        if (pumpTimer !== null) clearTimeout(pumpTimer);
        for (const timer of retryTimers.values()) clearTimeout(timer);
        retryTimers.clear();
        scheduler.clear();
        const drained = (async () => {
          while (work.size > 0) await Promise.allSettled([...work]);
        })();
        if ((await withTimeout(drained, drainMs)) === 'timeout') await releaseAll();
        running = false;
      })();
      return stopped;
    },
    isRunning: () => running && !stopping,
    stats: () => ({
      inFlight: scheduler.inFlight(),
      queued: scheduler.queued(),
      scheduledRetries: retryTimers.size,
    }),
  };
}
