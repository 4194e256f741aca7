import { newTestDeliveryId } from '../common/ids';
import type { SecretBox } from '../subscriptions/secret-box';
import type { SubscriptionDocument } from '../subscriptions/subscription.model';
import type { TestDeliveryResult } from '../subscriptions/subscriptions.schemas';
import type { DeliveriesRepository } from './deliveries.repository';
import { attemptOf } from './delivery-attempt';
import { signedRequest } from './webhook-signature';
import type { WebhookSender } from './webhook-sender';

/** The event type of a test delivery; not one a subscription can ask for. */
export const TEST_EVENT_TYPE = 'webhook.test';

/**
 * `POST /:id/test`: one signed test event sent to the subscription now, whatever its state, and
 * recorded in its history as DELIVERED or FAILED. Never retried, never counted as a failure.
 */
export async function sendTestDelivery(
  deps: {
    deliveries: Pick<DeliveriesRepository, 'insert'>;
    sender: WebhookSender;
    secrets: SecretBox;
    clock: () => number;
  },
  subscription: SubscriptionDocument,
): Promise<TestDeliveryResult> {
  const { deliveries, sender, secrets, clock } = deps;
  const now = new Date(clock());
  const deliveryId = newTestDeliveryId();
  const body = JSON.stringify({
    event: TEST_EVENT_TYPE,
    timestamp: now.toISOString(),
    integrationId: subscription.integrationId,
    data: {
      message: 'This is a test delivery of your webhook subscription.',
      subscriptionId: subscription._id,
    },
  });
  const outcome = await sender.send(
    signedRequest(subscription.url, {
      secret: secrets.open(subscription.sealedSecret, subscription._id),
      deliveryId,
      subscriptionId: subscription._id,
      eventType: TEST_EVENT_TYPE,
      startedAt: now,
      body,
    }),
  );
  await deliveries.insert([
    {
      _id: deliveryId,
      subscriptionId: subscription._id,
      orgId: subscription.orgId,
      integrationId: subscription.integrationId,
      eventId: null,
      eventType: TEST_EVENT_TYPE,
      test: true,
      body,
      status: outcome.ok ? 'DELIVERED' : 'FAILED',
      attempts: [attemptOf(outcome, now)],
      nextAttemptAt: null,
      leaseOwner: null,
      leaseUntil: null,
      reason: outcome.ok ? null : 'test deliveries are not retried',
      subscriptionDisabled: false,
      createdAt: now,
      updatedAt: new Date(clock()),
    },
  ]);
  const { ok: success, statusCode, durationMs, error } = outcome;
  return { deliveryId, success, statusCode, durationMs, error };
}
