import { withTimeout } from '@eudr/service-kit';
import type { Logger } from '@eudr/service-kit';
import type { SubscriptionDocument } from '../subscriptions/subscription.model';
import type { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import type { Claim, DeliveriesRepository, DueDelivery } from './deliveries.repository';
import type { Timed } from './delivery-phases';
import type { DeliveryDocument } from './delivery.model';
import type { DeliveryScheduler } from './delivery-scheduler';

/** Options of {@link createClaimPump}. */
export interface ClaimPumpOptions {
  deliveries: Pick<DeliveriesRepository, 'claim' | 'release'>;
  subscriptions: Pick<SubscriptionsRepository, 'findById'>;
  scheduler: DeliveryScheduler;
  /** Names this replica in leases. */
  owner: string;
  leaseMs: number;
  clock: () => number;
  log: Logger;
  timed: Timed;
  /** True once the worker stops taking work. */
  stopping: () => boolean;
  /** Makes one claimed attempt (see the attempt runner); resolves when it is recorded. */
  attempt(
    delivery: DeliveryDocument,
    lease: string,
    subscription: SubscriptionDocument | null,
  ): Promise<void>;
}

/** Claims what the scheduler lets start and runs it; see {@link createClaimPump}. */
export interface ClaimPump {
  /** Starts what the scheduler allows now, as one batch claim. */
  pump(): void;
  /**
   * Waits up to `drainMs` for the claims and attempts still running, then gives back the leases of
   * those that have not finished (so that another replica retries them at once).
   */
  drain(drainMs: number): Promise<void>;
  cancel(): void;
}

/** How long freed slots are collected before they are refilled by one batch claim. */
const PUMP_COALESCE_MS = 5;

/**
 * One claim at a time: slots freed while a claim is under way are refilled by the next one, so the
 * batches grow with the database's latency instead of each freed slot costing its own claim command.
 * Only what the scheduler lets start is claimed, so a claimed delivery is always being attempted.
 */
export function createClaimPump(options: ClaimPumpOptions): ClaimPump {
  const { deliveries, scheduler, log } = options;
  const leases = new Map<string, string>();
  const work = new Set<Promise<void>>();
  let pumpTimer: NodeJS.Timeout | null = null;
  let claiming = false;
  let pumpAfterClaim = false;

  function pump(): void {
    if (options.stopping()) return;
    if (claiming) {
      pumpAfterClaim = true;
      return;
    }
    const batch: DueDelivery[] = [];
    for (let next = scheduler.next(); next !== null; next = scheduler.next()) batch.push(next);
    if (batch.length === 0) return;
    const running = claimAndRun(batch);
    work.add(running);
    void running.finally(() => work.delete(running));
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

  async function claimAndRun(batch: DueDelivery[]): Promise<void> {
    claiming = true;
    const { lease, deliveries: claimed } = await claim(options, batch).finally(() => {
      claiming = false;
    });
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
    const subscriptionOf = lookUp(options, claimed);
    await Promise.all(
      claimed.map(async (delivery) => {
        leases.set(delivery._id, lease);
        try {
          const subscription = await subscriptionOf(delivery);
          if (options.stopping()) await deliveries.release(lease, [delivery._id]);
          else await options.attempt(delivery, lease, subscription);
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

  return {
    pump,
    async drain(drainMs) {
      const drained = (async () => {
        while (work.size > 0) await Promise.allSettled([...work]);
      })();
      if ((await withTimeout(drained, drainMs)) === 'timeout') await releaseAll(deliveries, leases, log);
    },
    cancel() {
      if (pumpTimer !== null) clearTimeout(pumpTimer);
    },
  };
}

/** One batch claim; a failed one claims nothing (the poll finds the batch again). */
async function claim(options: ClaimPumpOptions, batch: readonly DueDelivery[]): Promise<Claim> {
  try {
    const ids = batch.map((item) => item.id);
    const now = new Date(options.clock());
    return await options.timed('claim', () =>
      options.deliveries.claim(ids, options.owner, now, options.leaseMs),
    );
  } catch (err) {
    options.log.warn(
      { err, deliveries: batch.length },
      'claiming deliveries failed; the poll will find them again',
    );
    return { lease: '', deliveries: [] };
  }
}

/**
 * Each subscription of a batch is read once, after the claim: its state (active, url, secret,
 * failure period) is as current for every attempt of the batch as a read per attempt would be. By
 * organisation and id: a delivery only ever reaches a subscription of its own organisation.
 */
function lookUp(
  options: Pick<ClaimPumpOptions, 'subscriptions' | 'timed'>,
  claimed: readonly DeliveryDocument[],
) {
  const lookups = new Map<string, Promise<SubscriptionDocument | null>>();
  const keyOf = (delivery: DeliveryDocument) => `${delivery.orgId}/${delivery.subscriptionId}`;
  for (const { orgId, subscriptionId } of claimed) {
    const key = `${orgId}/${subscriptionId}`;
    if (!lookups.has(key)) lookups.set(key, options.subscriptions.findById(orgId, subscriptionId));
  }
  const all = options.timed('lookup', () => Promise.all(lookups.values()));
  // Handled per attempt; this only keeps a failed lookup from going unobserved.
  all.catch(() => undefined);
  return async (delivery: DeliveryDocument) => {
    await all;
    return (await lookups.get(keyOf(delivery))) ?? null;
  };
}

/** Gives back the leases of attempts still running (a shutdown that outlasted its drain time). */
async function releaseAll(
  deliveries: Pick<DeliveriesRepository, 'release'>,
  leases: ReadonlyMap<string, string>,
  log: Logger,
): Promise<void> {
  const byLease = new Map<string, string[]>();
  for (const [id, lease] of leases) byLease.set(lease, [...(byLease.get(lease) ?? []), id]);
  log.warn({ inFlight: leases.size }, 'attempts still running at shutdown; releasing their leases');
  await Promise.all([...byLease].map(([lease, ids]) => deliveries.release(lease, ids))).catch(
    (err: unknown) => log.warn({ err }, 'could not release leases'),
  );
}
