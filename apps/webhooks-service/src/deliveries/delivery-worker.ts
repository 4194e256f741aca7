import { performance } from 'node:perf_hooks';
import { withTimeout } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import { Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { SubscriptionDocument } from '../subscriptions/subscription.model';
import type { SecretBox } from '../subscriptions/secret-box';
import type { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import type { ClaimedDelivery, DeliveriesRepository } from './deliveries.repository';
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
  /** Where to register the phase timings (`webhook_delivery_phase_seconds`); default none. */
  metrics?: Registry;
}

/**
 * The timed phases of the worker: `claim` (one batch claim), `lookup` (the subscriptions of a batch),
 * `send` (one HTTP attempt), `outcome` (counting a success or failure on the subscription, and a
 * retry's queue update), `record` (one history insert and queue removal of settled deliveries).
 */
export type DeliveryPhase = 'claim' | 'lookup' | 'send' | 'outcome' | 'record';

/** The delivery worker of one replica; see {@link createDeliveryWorker}. */
export interface DeliveryWorker {
  /** Starts polling (at once, then every poll interval). */
  start(): void;
  /**
   * Deliveries just queued (PENDING) by this replica's consumer: attempt them now, without waiting for a
   * poll, and without reading back what the consumer just wrote.
   */
  enqueue(deliveries: readonly DeliveryDocument[]): void;
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
/** Decrypted secrets kept in memory, at most this many subscriptions. */
const SECRET_CACHE_SIZE = 1_000;
/** Buckets in seconds for the phase timings. */
const PHASE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

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
  // Deliveries this replica holds as they are queued (handed over by the consumer, or its own retries),
  // by id, until their attempt is claimed: the claim needs no read of them.
  const known = new Map<string, DeliveryDocument>();
  // Decrypted secrets by subscription, with the sealed value they came from: a new secret is a new
  // sealed value, so an entry can never be stale, only unused (deleted subscriptions drop theirs).
  const secretCache = new Map<string, { sealed: string; secret: string }>();
  const phases =
    options.metrics === undefined
      ? null
      : new Histogram({
          name: 'webhook_delivery_phase_seconds',
          help: 'Time spent per phase of webhook delivery (claim and lookup per batch, send and outcome per attempt, record per settled batch)',
          labelNames: ['phase'] as const,
          buckets: PHASE_BUCKETS,
          registers: [options.metrics],
        });
  const timed = async <T>(phase: DeliveryPhase, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await run();
    } finally {
      phases?.observe({ phase }, (performance.now() - started) / 1000);
    }
  };

  function secretOf(subscription: SubscriptionDocument): string {
    const cached = secretCache.get(subscription._id);
    if (cached !== undefined && cached.sealed === subscription.sealedSecret) return cached.secret;
    const secret = secrets.open(subscription.sealedSecret, subscription._id);
    secretCache.delete(subscription._id);
    if (secretCache.size >= SECRET_CACHE_SIZE) {
      const oldest = secretCache.keys().next();
      if (oldest.done !== true) secretCache.delete(oldest.value);
    }
    secretCache.set(subscription._id, { sealed: subscription.sealedSecret, secret });
    return secret;
  }
  let settled: DeliveryDocument[] = [];
  let settleTimer: NodeJS.Timeout | null = null;
  let settling: Promise<void> = Promise.resolve();
  let pumpTimer: NodeJS.Timeout | null = null;
  let claiming = false;
  let pumpAfterClaim = false;
  // recordSuccess calls waiting to start, by subscription and failure run: successes that arrive before
  // the waiting check starts share it (the check still begins after each of them).
  const successChecks = new Map<string, Promise<void>>();
  const successRunning = new Map<string, Promise<void>>();
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
    const requests = batch.map(({ id }) => {
      const held = known.get(id);
      known.delete(id);
      return held === undefined ? { id } : { id, known: held };
    });
    claiming = true;
    try {
      claimed = await timed('claim', () =>
        deliveries.claimBatch(requests, owner, new Date(clock()), options.leaseMs),
      );
    } catch (err) {
      log.warn(
        { err, deliveries: batch.length },
        'claiming deliveries failed; the poll will find them again',
      );
    } finally {
      claiming = false;
    }
    const claimedIds = new Set(claimed.map((item) => item.delivery._id));
    for (const item of batch) if (!claimedIds.has(item.id)) scheduler.done(item.id, item.subscriptionId);
    if (pumpAfterClaim) {
      pumpAfterClaim = false;
      pumpSoon();
    }
    if (claimed.length === 0) {
      pumpSoon();
      return;
    }
    // Each subscription of the batch is read once, after the claims: its state (active, url, secret)
    // is as current for every attempt of the batch as a read per attempt would be.
    const lookups = new Map<string, Promise<SubscriptionDocument | null>>();
    for (const { delivery } of claimed) {
      if (!lookups.has(delivery.subscriptionId))
        lookups.set(delivery.subscriptionId, subscriptions.findById(delivery.subscriptionId));
    }
    const lookedUp = timed('lookup', () => Promise.all(lookups.values()));
    // Handled per attempt below; this only keeps a failed lookup from going unobserved.
    lookedUp.catch(() => undefined);
    await Promise.all(
      claimed.map(async ({ delivery, claimKey }) => {
        heldClaims.set(delivery._id, claimKey);
        try {
          await lookedUp;
          const subscription = await (lookups.get(
            delivery.subscriptionId,
          ) as Promise<SubscriptionDocument | null>);
          await runAttempt(delivery, claimKey, subscription);
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
        await timed('record', async () => {
          await deliveries.record(batch);
          await deliveries.dequeue(batch.map((doc) => doc._id));
        });
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

  /**
   * {@link SubscriptionsRepository.recordSuccess}, coalesced: at most one check per subscription and
   * failure run is running and one waiting; a success joins the waiting one, which starts only after it,
   * so every success is still followed by a check of the run's strikes.
   */
  function recordSuccess(subscription: SubscriptionDocument): Promise<void> {
    const key = `${subscription._id}:${subscription.failureEpoch}:${subscription.consecutiveFailures === 0}`;
    const waiting = successChecks.get(key);
    if (waiting !== undefined) return waiting;
    const before = successRunning.get(key) ?? Promise.resolve();
    const check = before
      .catch(() => undefined)
      .then(() => {
        successChecks.delete(key);
        const running = subscriptions.recordSuccess(subscription);
        successRunning.set(key, running);
        return running.finally(() => {
          if (successRunning.get(key) === running) successRunning.delete(key);
        });
      });
    successChecks.set(key, check);
    return check;
  }

  function scheduleRetry(delivery: DeliveryDocument, dueAt: number): void {
    if (stopping) return;
    const timer = setTimeout(
      () => {
        retryTimers.delete(delivery._id);
        if (scheduler.add(delivery._id, delivery.subscriptionId)) known.set(delivery._id, delivery);
        pump();
      },
      Math.max(0, dueAt - clock()) + 5,
    );
    timer.unref();
    retryTimers.set(delivery._id, timer);
  }

  async function runAttempt(
    delivery: DeliveryDocument,
    claimKey: string,
    subscription: SubscriptionDocument | null,
  ): Promise<void> {
    if (stopping) {
      await deliveries.release([claimKey]);
      return;
    }
    if (subscription === null) {
      secretCache.delete(delivery.subscriptionId);
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
    const outcome = await timed('send', () =>
      sender.send({
        url: subscription.url,
        body: delivery.body,
        headers: webhookHeaders({
          secret: secretOf(subscription),
          deliveryId: delivery._id,
          subscriptionId: subscription._id,
          eventType: delivery.eventType,
          timestamp: Math.floor(startedAt.getTime() / 1000),
          body: delivery.body,
        }),
      }),
    );
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
      await timed('outcome', () => recordSuccess(subscription));
      log.debug(logFields, 'webhook delivered');
      return;
    }
    const disabled = await timed('outcome', () =>
      subscriptions.recordFailure(subscription, options.maxConsecutiveFailures, new Date(clock())),
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
      await timed('outcome', () => deliveries.retryLater(delivery._id, attempt, new Date(dueAt)));
      scheduleRetry({ ...delivery, attempts, nextAttemptAt: new Date(dueAt), updatedAt: attempt.at }, dueAt);
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
      if (!running || stopping) return;
      for (const item of items) {
        if (item.status === 'PENDING' && scheduler.add(item._id, item.subscriptionId))
          known.set(item._id, item);
      }
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
        known.clear();
        const drained = (async () => {
          while (work.size > 0) await Promise.allSettled([...work]);
        })();
        const outcome = await withTimeout(drained, drainMs);
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
