import type { Logger } from '@eudr/service-kit';
import type { SecretBox } from '../subscriptions/secret-box';
import type { SubscriptionDocument } from '../subscriptions/subscription.model';
import type { SubscriptionsRepository } from '../subscriptions/subscriptions.repository';
import type { AttemptRecord, DeliveriesRepository } from './deliveries.repository';
import type { Timed } from './delivery-phases';
import type { DeliveryAttempt, DeliveryDocument } from './delivery.model';
import { createSecretCache } from './secret-cache';
import { signedRequest } from './webhook-signature';
import type { AttemptOutcome, WebhookSender } from './webhook-sender';

/** Options of {@link createAttemptRunner}. */
export interface AttemptRunnerOptions {
  deliveries: Pick<DeliveriesRepository, 'recordAttempt'>;
  subscriptions: Pick<SubscriptionsRepository, 'recordSuccess' | 'recordFailure'>;
  sender: WebhookSender;
  secrets: SecretBox;
  integrationStatus: (integrationId: string) => 'ACTIVE' | 'INACTIVE' | undefined;
  retryDelaysMs: readonly number[];
  maxConsecutiveFailures: number;
  clock: () => number;
  log: Logger;
  timed: Timed;
}

/** Writes an attempt's outcome under its lease; false when the lease was lost. */
type RecordOutcome = (delivery: DeliveryDocument, lease: string, outcome: AttemptRecord) => Promise<boolean>;

/** Makes one claimed attempt; see {@link createAttemptRunner}. */
export interface AttemptRunner {
  /**
   * Sends the next attempt of `delivery`, claimed under `lease`, to `subscription` (as read after the
   * claim; null when deleted), and records the outcome. Returns when the next attempt is due (epoch
   * ms), or null when there is none: settled, or the lease was lost to another replica.
   */
  run(
    delivery: DeliveryDocument,
    lease: string,
    subscription: SubscriptionDocument | null,
  ): Promise<number | null>;
}

/**
 * One attempt: SKIPPED when the subscription is gone or disabled or the integration is INACTIVE;
 * otherwise signed and POSTed, then DELIVERED on a 2xx, or on a failure the next attempt after the
 * configured delay, or FAILED after the last. Each failed attempt counts towards disabling the
 * subscription, a 2xx resets the count; the failure that disables it marks its delivery.
 */
export function createAttemptRunner(options: AttemptRunnerOptions): AttemptRunner {
  const { deliveries, sender, secrets, clock, log, timed } = options;
  const secretCache = createSecretCache(secrets);

  async function record(delivery: DeliveryDocument, lease: string, outcome: AttemptRecord): Promise<boolean> {
    const held = await timed('record', () =>
      deliveries.recordAttempt(delivery._id, lease, outcome, new Date(clock())),
    );
    // Only when an attempt outlived its lease (a stalled process): the replica that took over decides.
    if (!held) log.warn({ deliveryId: delivery._id }, 'lease lost before the outcome was recorded');
    return held;
  }

  async function run(
    delivery: DeliveryDocument,
    lease: string,
    subscription: SubscriptionDocument | null,
  ): Promise<number | null> {
    const skip = async (reason: string) => {
      await record(delivery, lease, { status: 'SKIPPED', reason });
      return null;
    };
    if (subscription === null) {
      secretCache.forget(delivery.subscriptionId);
      return skip('the subscription was deleted');
    }
    if (!subscription.active) return skip('the subscription is disabled');
    if (options.integrationStatus(subscription.integrationId) === 'INACTIVE')
      return skip('the integration is inactive');

    const startedAt = new Date(clock());
    const outcome = await timed('send', () =>
      sender.send(
        signedRequest(subscription.url, {
          secret: secretCache.secretOf(subscription),
          deliveryId: delivery._id,
          subscriptionId: subscription._id,
          eventType: delivery.eventType,
          startedAt,
          body: delivery.body,
        }),
      ),
    );
    return settle({ ...options, record }, delivery, lease, subscription, startedAt, outcome);
  }

  return { run };
}

/** A sent attempt as the delivery's history keeps it. */
export function attemptOf({ ok, statusCode, durationMs, error }: AttemptOutcome, at: Date): DeliveryAttempt {
  return { at, ok, statusCode, durationMs, error };
}

/** Records a sent attempt: DELIVERED, the next attempt, or FAILED; counts it on the subscription. */
async function settle(
  options: AttemptRunnerOptions & { record: RecordOutcome },
  delivery: DeliveryDocument,
  lease: string,
  subscription: SubscriptionDocument,
  startedAt: Date,
  outcome: AttemptOutcome,
): Promise<number | null> {
  const { record, timed, subscriptions, clock, log } = options;
  const attempt = attemptOf(outcome, startedAt);
  const number = delivery.attempts.length + 1;
  const logFields = {
    deliveryId: delivery._id,
    subscriptionId: subscription._id,
    eventType: delivery.eventType,
    attempt: number,
    statusCode: outcome.statusCode,
    durationMs: outcome.durationMs,
  };
  if (outcome.ok) {
    await Promise.all([
      record(delivery, lease, { status: 'DELIVERED', attempt }),
      timed('outcome', () => subscriptions.recordSuccess(subscription)),
    ]);
    log.debug(logFields, 'webhook delivered');
    return null;
  }
  // Counted before the delivery is written, which must say whether this failure disabled it.
  const disabled = await timed('outcome', () =>
    subscriptions.recordFailure(subscription, options.maxConsecutiveFailures, new Date(clock())),
  );
  if (disabled) {
    const reason = `the subscription was disabled after ${options.maxConsecutiveFailures} consecutive failed attempts`;
    await record(delivery, lease, { status: 'FAILED', attempt, reason, subscriptionDisabled: true });
    log.warn(
      { ...logFields, error: outcome.error },
      'webhook subscription disabled after consecutive failures',
    );
    return null;
  }
  const delay = options.retryDelaysMs[number - 1];
  if (delay === undefined) {
    await record(delivery, lease, {
      status: 'FAILED',
      attempt,
      reason: `every attempt failed (${number})`,
    });
    log.info({ ...logFields, error: outcome.error }, 'webhook delivery failed for good');
    return null;
  }
  const dueAt = clock() + delay;
  if (!(await record(delivery, lease, { status: 'PENDING', attempt, nextAttemptAt: new Date(dueAt) })))
    return null;
  log.info({ ...logFields, error: outcome.error, retryInMs: delay }, 'webhook attempt failed; will retry');
  return dueAt;
}
