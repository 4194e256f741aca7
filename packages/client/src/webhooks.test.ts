import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
// The platform's own signer, so that the verifier cannot drift from what deliveries carry.
import {
  generateWebhookSecret,
  webhookHeaders,
} from '../../../apps/webhooks-service/src/deliveries/webhook-signature';
import { WebhookVerificationError, verifyWebhook } from './webhooks';

const body = JSON.stringify({
  event: 'supplier.created',
  timestamp: '2025-03-01T08:30:00.000Z',
  integrationId: 'int_8a1f0c3e5b7d9f2a4c6e8b0d',
  data: { externalId: 'SUP-001', name: 'Cocoa Co' },
});
const NOW_S = 1_750_000_000;
const now = () => NOW_S * 1000;

function signed(secret: string, timestamp = NOW_S, text = body) {
  return webhookHeaders({
    secret,
    deliveryId: 'dlv_0123',
    subscriptionId: 'wh_0123',
    eventType: 'supplier.created',
    timestamp,
    body: text,
  });
}

/** Only the platform's own headers, as a receiver that drops unknown ones might keep. */
function platformOnly(headers: Record<string, string>) {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith('webhook-')));
}

async function reason(promise: Promise<unknown>): Promise<string> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WebhookVerificationError);
  return (error as WebhookVerificationError).reason;
}

describe('verifyWebhook', () => {
  const secret = generateWebhookSecret();

  it('accepts a delivery by its Standard Webhooks signature, from Headers, a Node header object or bytes', async () => {
    const headers = signed(secret);
    const verified = await verifyWebhook(new Headers(headers), body, secret, { now });
    expect(verified).toEqual({
      event: JSON.parse(body),
      id: 'dlv_0123',
      timestamp: NOW_S,
      scheme: 'standard-webhooks',
    });
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect((await verifyWebhook(upper, new TextEncoder().encode(body), secret, { now })).id).toBe('dlv_0123');
    const message = new IncomingMessage(new Socket());
    message.headers = headers;
    expect((await verifyWebhook(message.headers, body, secret, { now })).scheme).toBe('standard-webhooks');
  });

  it('accepts a delivery by the platform signature (sha256=hex over timestamp.body)', async () => {
    const verified = await verifyWebhook(platformOnly(signed(secret)), body, secret, { now });
    expect(verified.scheme).toBe('platform');
    expect(verified.id).toBe('dlv_0123');
  });

  it('refuses an altered body, another secret, and a signature of another timestamp under both schemes', async () => {
    for (const pick of [(h: Record<string, string>) => h, platformOnly]) {
      const headers = pick(signed(secret));
      expect(await reason(verifyWebhook(headers, body.replace('Cocoa', 'Cacao'), secret, { now }))).toBe(
        'BAD_SIGNATURE',
      );
      expect(await reason(verifyWebhook(headers, body, generateWebhookSecret(), { now }))).toBe(
        'BAD_SIGNATURE',
      );
      const otherTime = {
        ...headers,
        'webhook-timestamp': String(NOW_S + 1),
        'x-webhook-timestamp': String(NOW_S + 1),
      };
      expect(await reason(verifyWebhook(otherTime, body, secret, { now }))).toBe('BAD_SIGNATURE');
    }
  });

  it('refuses a replay outside the window (default 5 minutes) and accepts one inside', async () => {
    for (const pick of [(h: Record<string, string>) => h, platformOnly]) {
      const old = pick(signed(secret, NOW_S - 301));
      expect(await reason(verifyWebhook(old, body, secret, { now }))).toBe('TIMESTAMP_OUT_OF_RANGE');
      expect(await reason(verifyWebhook(pick(signed(secret, NOW_S + 301)), body, secret, { now }))).toBe(
        'TIMESTAMP_OUT_OF_RANGE',
      );
      expect((await verifyWebhook(pick(signed(secret, NOW_S - 299)), body, secret, { now })).timestamp).toBe(
        NOW_S - 299,
      );
      expect((await verifyWebhook(old, body, secret, { now, toleranceSeconds: 600 })).timestamp).toBe(
        NOW_S - 301,
      );
    }
  });

  it('accepts any one of several signatures (secret rotation) and refuses a delivery without its headers', async () => {
    const headers = signed(secret);
    const rotated = { ...headers, 'webhook-signature': `v1,AAAA ${headers['webhook-signature'] ?? ''}` };
    expect((await verifyWebhook(rotated, body, secret, { now })).scheme).toBe('standard-webhooks');
    expect(await reason(verifyWebhook({ 'content-type': 'application/json' }, body, secret, { now }))).toBe(
      'MISSING_HEADERS',
    );
    const { 'webhook-id': _id, 'x-webhook-delivery': _delivery, ...noId } = headers;
    expect(await reason(verifyWebhook(noId, body, secret, { now }))).toBe('MISSING_HEADERS');
  });
});
