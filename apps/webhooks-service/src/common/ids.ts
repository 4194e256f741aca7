import { createHash, randomBytes } from 'node:crypto';

/** Public id prefixes of the records this service owns. */
export const ID_PREFIXES = {
  subscription: 'wh_',
  delivery: 'dlv_',
} as const;

/** A new subscription id: `wh_` and 24 lowercase hex characters (96 random bits). */
export function newSubscriptionId(): string {
  return `${ID_PREFIXES.subscription}${randomBytes(12).toString('hex')}`;
}

/**
 * The id of the delivery of one event to one subscription: derived, not random, so that storing the
 * deliveries of a Kafka message a second time (a redelivery after a crash) hits the same `_id` and
 * changes nothing. It is also the receiver's idempotency key (`X-Webhook-Delivery`, `webhook-id`).
 */
export function deliveryIdFor(eventId: string, subscriptionId: string): string {
  const digest = createHash('sha256').update(`${eventId}:${subscriptionId}`).digest('hex');
  return `${ID_PREFIXES.delivery}${digest.slice(0, 32)}`;
}

/** A new id for a test delivery (`POST /:id/test`), which belongs to no event. */
export function newTestDeliveryId(): string {
  return `${ID_PREFIXES.delivery}test_${randomBytes(12).toString('hex')}`;
}
