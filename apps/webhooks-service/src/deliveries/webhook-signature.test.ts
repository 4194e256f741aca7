import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { SECRET_PREFIX, USER_AGENT, generateWebhookSecret, webhookHeaders } from './webhook-signature';

describe('webhook signatures', () => {
  const secret = generateWebhookSecret();
  const body = JSON.stringify({
    event: 'supplier.created',
    timestamp: '2025-01-31T12:00:00.000Z',
    data: { a: 1 },
  });
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = webhookHeaders({
    secret,
    deliveryId: 'dlv_0123456789abcdef0123456789abcdef',
    subscriptionId: 'wh_0123456789abcdef01234567',
    eventType: 'supplier.created',
    timestamp,
    body,
  });

  it('generates Standard Webhooks secrets: whsec_ and the base64 of 32 random bytes', () => {
    expect(secret.startsWith(SECRET_PREFIX)).toBe(true);
    expect(Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });

  it('signs X-Webhook-Signature as hex HMAC-SHA256 of timestamp.body keyed with the whole secret', () => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    expect(headers['x-webhook-signature']).toBe(`sha256=${expected}`);
    expect(headers['x-webhook-timestamp']).toBe(String(timestamp));
    expect(headers['user-agent']).toBe(USER_AGENT);
  });

  it('produces Standard Webhooks headers that the standardwebhooks verifier accepts with the secret as given', () => {
    const verified = new Webhook(secret).verify(body, {
      'webhook-id': headers['webhook-id'] as string,
      'webhook-timestamp': headers['webhook-timestamp'] as string,
      'webhook-signature': headers['webhook-signature'] as string,
    });
    expect(verified).toEqual(JSON.parse(body));
  });

  it('fails the standardwebhooks verifier when the body or the secret differs', () => {
    const standard = {
      'webhook-id': headers['webhook-id'] as string,
      'webhook-timestamp': headers['webhook-timestamp'] as string,
      'webhook-signature': headers['webhook-signature'] as string,
    };
    expect(() => new Webhook(secret).verify(`${body} `, standard)).toThrow();
    expect(() => new Webhook(generateWebhookSecret()).verify(body, standard)).toThrow();
  });
});
