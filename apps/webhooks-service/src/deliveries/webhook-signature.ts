import { createHmac, randomBytes } from 'node:crypto';
import type { WebhookRequest } from './webhook-sender';

/** Prefix of every subscription secret, as Standard Webhooks defines it. */
export const SECRET_PREFIX = 'whsec_';

/** Random bytes behind a secret: 256 bits (Standard Webhooks asks for 24 to 64). */
const SECRET_BYTES = 32;

/**
 * A new subscription secret: `whsec_` and the base64 of 32 random bytes. This is exactly the Standard
 * Webhooks secret format, so its verifiers take it as it is (they strip the prefix and base64-decode
 * the rest to get the HMAC key), while the platform's own `X-Webhook-Signature` uses the whole string
 * as the key, as a receiver would naturally do with "the secret". One secret, two signatures.
 */
export function generateWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`: the `X-Webhook-Signature` header. */
export function platformSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * `v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>` with the key the base64-decoded part
 * of the secret after `whsec_`: the Standard Webhooks `webhook-signature` header.
 */
export function standardSignature(
  secret: string,
  messageId: string,
  timestamp: number,
  body: string,
): string {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  return `v1,${createHmac('sha256', key).update(`${messageId}.${timestamp}.${body}`).digest('base64')}`;
}

/** What identifies one attempt of one delivery to the receiver. */
export interface SignedRequestInput {
  secret: string;
  deliveryId: string;
  subscriptionId: string;
  eventType: string;
  /** Unix seconds. */
  timestamp: number;
  body: string;
}

/** User-Agent of every delivery. */
export const USER_AGENT = 'EUDR-Platform-Webhook/1.0';

/** The headers of one delivery attempt: the platform's and the Standard Webhooks ones. */
export function webhookHeaders(input: SignedRequestInput): Record<string, string> {
  const { secret, deliveryId, subscriptionId, eventType, timestamp, body } = input;
  return {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'x-webhook-event': eventType,
    'x-webhook-id': subscriptionId,
    'x-webhook-timestamp': String(timestamp),
    'x-webhook-delivery': deliveryId,
    'x-webhook-signature': platformSignature(secret, timestamp, body),
    'webhook-id': deliveryId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': standardSignature(secret, deliveryId, timestamp, body),
  };
}

/** One attempt's POST to `url` as it starts at `startedAt`: the body and its signed headers. */
export function signedRequest(
  url: string,
  { startedAt, ...input }: Omit<SignedRequestInput, 'timestamp'> & { startedAt: Date },
): WebhookRequest {
  const timestamp = Math.floor(startedAt.getTime() / 1000);
  return { url, body: input.body, headers: webhookHeaders({ ...input, timestamp }) };
}
