import type { Logger } from '@eudr/service-kit';
import type { SecretBox } from '../subscriptions/secret-box';
import type { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import type { ClaimedDelivery, DeliveriesRepository, DueDelivery } from './deliveries.repository';
import type { DeliveryAttempt, DeliveryDocument, DeliveryStatus } from './delivery.model';
import { createDeliveryScheduler } from './delivery-scheduler';
import { webhookHeaders } from './webhook-signature';
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
}

/** The delivery worker of one replica; see {@link createDeliveryWorker}. */
export interface DeliveryWorker {
  /** Starts polling (at once, then every poll interval). */
  start(): void;
  /** Deliveries just queued by this replica's consumer: attempt them now, without waiting for a poll. */
  enqueue(deliveries: readonly DueDelivery[]): void;
  /**
   * Stops taking work, lets attempts in flight finish for up to `drainMs` and records them, then gives
   * back the leases of those still running so that another replica retries them at once. Idempotent.
   */
  stop(drainMs: number): Promise<void>;
  /** True while started and not stopping. */
  isRunning(): boolean;
  stats(): { inFlight: number; queued: number; scheduledRetries: number };
}

/** How many due deliveries one poll loads at most. */
const POLL_BATCH = 500;
/**
 * Settled deliveries are written to the history and removed from the queue in batches of up to this...
 * (every removal scans the queue on FerretDB, so fewer, larger batches cost less in total).
 */
const SETTLE_BATCH = 500;
/** ...or after this long. */
const SETTLE_INTERVAL_MS = 200;
/** How long freed slots are collected before they are refilled by one batch claim. */
const PUMP_COALESCE_MS = 5;

/**
 * Sends queued deliveries: claims each attempt (a unique insert per attempt and lease period, so two
 * replicas never send the same attempt at once, and a crashed replica's claims expire), signs and POSTs
 * each, and records the outcome: DELIVERED on a 2xx; on a failure the next attempt after the configured
 * delay, or FAILED after the last. Each failed attempt counts towards disabling the subscription; a 2xx
 * resets the count. A delivery whose integration is INACTIVE, or whose subscription is disabled or gone,
 * is SKIPPED when its attempt comes up.
 *
 * Work arrives three ways: the consumer hands over what it queued (no wait), this replica's own retries
 * are timed locally, and a poll of MongoDB finds everything else that is due (other replicas' work after
 * a crash, retries that outlived a restart). Fairness between subscriptions is the scheduler's job.
 *
 * Settled deliveries are first written to the history, then removed from the queue, in small batches.
 * A crash in between leaves a queued delivery that is in the history already: the next claim of it
 * sees that and only removes it, so it is not sent again.
 */
export function createDeliveryWorker(options: CreateDeliveryWorkerOptions): DeliveryWorker {
  const { deliveries, subscriptions, sender, secrets, logger, owner } = options;
  const clock = options.clock ?? Date.now;
  const log = logger.child({ component: 'delivery-worker' });
  const scheduler = createDeliveryScheduler({
    concurrency: options.concurrency,
    perSubscription: options.perSubscriptionConcurrency,
  });
  const retryTimers = new Map<string, NodeJS.Timeout>();
  // Settled here but not yet removed from the queue: the poll must not bring them back meanwhile.
  const awaitingDequeue = new Set<string>();
  // Claim keys of the attempts in flight, by delivery id.
  const heldClaims = new Map<string, string>();
  const work = new Set<Promise<void>>();
  let settled: DeliveryDocument[] = [];
  let settleTimer: NodeJS.Timeout | null = null;
  let settling: Promise<void> = Promise.resolve();
  let pumpTimer: NodeJS.Timeout | null = null;
  let pollTimer: NodeJS.Timeout | null = null;
  let polling = false;
  let running = false;
  let stopping = false;
  let stopped: Promise<void> | null = null;

  const track = (promise: Promise<void>): void => {
    work.add(promise);
    void promise.finally(() => work.delete(promise));
  };

  function pump(): void {
    if (!running || stopping) return;
    const batch: { id: string; subscriptionId: string }[] = [];
    for (let next = scheduler.next(); next !== null; next = scheduler.next()) batch.push(next);
    if (batch.length > 0) track(claimAndRun(batch));
  }

  /**
   * Pumps soon rather than now while attempts are in flight: slots freed within a few milliseconds are
   * then refilled by one batch claim (one write) instead of one claim each.
   */
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
    let claimed: ClaimedDelivery[] = [];
    try {
      claimed = await deliveries.claimBatch(
        batch.map((item) => item.id),
        owner,
        new Date(clock()),
        options.leaseMs,
      );
    } catch (err) {
      log.warn(
        { err, deliveries: batch.length },
        'claiming deliveries failed; the poll will find them again',
      );
    }
    const claimedIds = new Set(claimed.map((item) => item.delivery._id));
    for (const item of batch) if (!claimedIds.has(item.id)) scheduler.done(item.id, item.subscriptionId);
    if (claimed.length === 0) {
      pumpSoon();
      return;
    }
    await Promise.all(
      claimed.map(async ({ delivery, claimKey }) => {
        heldClaims.set(delivery._id, claimKey);
        try {
          await runAttempt(delivery, claimKey);
        } catch (err) {
          log.error({ err, deliveryId: delivery._id }, 'delivery attempt failed unexpectedly');
        } finally {
          heldClaims.delete(delivery._id);
          scheduler.done(delivery._id, delivery.subscriptionId);
          pumpSoon();
        }
      }),
    );
  }

  function settle(
    delivery: DeliveryDocument,
    status: DeliveryStatus,
    fields: Partial<DeliveryDocument>,
  ): void {
    const now = new Date(clock());
    awaitingDequeue.add(delivery._id);
    settled.push({
      ...delivery,
      ...fields,
      status,
      nextAttemptAt: null,
      updatedAt: now,
    });
    if (settled.length >= SETTLE_BATCH) void flushSettled();
    else settleTimer ??= setTimeout(() => void flushSettled(), SETTLE_INTERVAL_MS);
  }

  function flushSettled(): Promise<void> {
    if (settleTimer !== null) clearTimeout(settleTimer);
    settleTimer = null;
    const batch = settled;
    settled = [];
    if (batch.length === 0) return settling;
    settling = settling.then(async () => {
      try {
        await deliveries.record(batch);
        await deliveries.dequeue(batch.map((doc) => doc._id));
      } catch (err) {
        // They stay queued under this replica's claims; once those expire they are claimed again and,
        // if the history has them by then, only removed.
        log.warn({ err, deliveries: batch.length }, 'recording settled deliveries failed');
      } finally {
        for (const doc of batch) awaitingDequeue.delete(doc._id);
      }
    });
    track(settling);
    return settling;
  }

  function scheduleRetry(delivery: DeliveryDocument, dueAt: number): void {
    if (stopping) return;
    const timer = setTimeout(
      () => {
        retryTimers.delete(delivery._id);
        scheduler.add(delivery._id, delivery.subscriptionId);
        pump();
      },
      Math.max(0, dueAt - clock()) + 5,
    );
    timer.unref();
    retryTimers.set(delivery._id, timer);
  }

  async function runAttempt(delivery: DeliveryDocument, claimKey: string): Promise<void> {
    if (stopping) {
      await deliveries.release([claimKey]);
      return;
    }
    const subscription = await subscriptions.findById(delivery.subscriptionId);
    if (subscription === null) {
      settle(delivery, 'SKIPPED', { reason: 'the subscription was deleted' });
      return;
    }
    if (!subscription.active) {
      settle(delivery, 'SKIPPED', { reason: 'the subscription is disabled' });
      return;
    }
    if (options.integrationStatus(subscription.integrationId) === 'INACTIVE') {
      settle(delivery, 'SKIPPED', { reason: 'the integration is inactive' });
      return;
    }
    const startedAt = new Date(clock());
    const outcome = await sender.send({
      url: subscription.url,
      body: delivery.body,
      headers: webhookHeaders({
        secret: secrets.open(subscription.sealedSecret, subscription._id),
        deliveryId: delivery._id,
        subscriptionId: subscription._id,
        eventType: delivery.eventType,
        timestamp: Math.floor(startedAt.getTime() / 1000),
        body: delivery.body,
      }),
    });
    const attempt: DeliveryAttempt = {
      at: startedAt,
      ok: outcome.ok,
      statusCode: outcome.statusCode,
      durationMs: outcome.durationMs,
      error: outcome.error,
    };
    const attempts = [...delivery.attempts, attempt];
    const logFields = {
      deliveryId: delivery._id,
      subscriptionId: subscription._id,
      eventType: delivery.eventType,
      attempt: attempts.length,
      statusCode: outcome.statusCode,
      durationMs: outcome.durationMs,
    };
    if (outcome.ok) {
      settle(delivery, 'DELIVERED', { attempts, reason: null });
      await subscriptions.recordSuccess(subscription);
      log.debug(logFields, 'webhook delivered');
      return;
    }
    const disabled = await subscriptions.recordFailure(
      subscription,
      options.maxConsecutiveFailures,
      new Date(clock()),
    );
    const delay = options.retryDelaysMs[attempts.length - 1];
    if (disabled) {
      const reason = `the subscription was disabled after ${options.maxConsecutiveFailures} consecutive failed attempts`;
      settle(delivery, 'FAILED', { attempts, reason, subscriptionDisabled: true });
      log.warn(
        { ...logFields, error: outcome.error },
        'webhook subscription disabled after consecutive failures',
      );
    } else if (delay === undefined) {
      settle(delivery, 'FAILED', { attempts, reason: `every attempt failed (${attempts.length})` });
      log.info({ ...logFields, error: outcome.error }, 'webhook delivery failed for good');
    } else {
      const dueAt = clock() + delay;
      await deliveries.retryLater(delivery._id, attempt, new Date(dueAt));
      scheduleRetry(delivery, dueAt);
      log.info(
        { ...logFields, error: outcome.error, retryInMs: delay },
        'webhook attempt failed; will retry',
      );
    }
  }

  async function poll(): Promise<void> {
    if (polling || !running || stopping) return;
    // Enough local work queued already: each poll scans the queue on FerretDB, and what it would find
    // is picked up by a later poll, once this backlog has drained.
    if (scheduler.queued() >= options.concurrency) return;
    polling = true;
    try {
      const due = await deliveries.findDue(
        new Date(clock()),
        POLL_BATCH,
        // A subscription with a long local queue is left out, so one backlog cannot fill the batch.
        scheduler.saturated(options.perSubscriptionConcurrency * 4),
      );
      for (const item of due) {
        if (!retryTimers.has(item.id) && !awaitingDequeue.has(item.id))
          scheduler.add(item.id, item.subscriptionId);
      }
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

  return {
    start() {
      if (running) return;
      running = true;
      void poll();
      schedulePoll();
    },
    enqueue(items) {
      for (const item of items) scheduler.add(item.id, item.subscriptionId);
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
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), drainMs);
        });
        const drained = (async () => {
          while (work.size > 0) await Promise.allSettled([...work]);
        })();
        const outcome = await Promise.race([drained.then(() => 'drained' as const), timeout]);
        clearTimeout(timer);
        await flushSettled();
        if (outcome === 'timeout') {
          const keys = [...heldClaims.values()];
          log.warn(
            { inFlight: keys.length, drainMs },
            'attempts still running at shutdown; releasing their claims',
          );
          await deliveries
            .release(keys)
            .catch((err: unknown) => log.warn({ err }, 'could not release claims'));
        }
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
