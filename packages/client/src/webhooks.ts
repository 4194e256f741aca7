import { EudrError } from './errors';
import type { webhooks } from './generated/openapi';

/** The body of any delivery the platform sends (the document's `webhooks`), by its `event`. */
export type WebhookEvent = {
  [E in keyof webhooks]: webhooks[E]['post']['requestBody']['content']['application/json'];
}[keyof webhooks];

/** Headers as `fetch` (`Headers`) or Node's `http` (`req.headers`) give them. */
export type WebhookHeaders = Headers | Record<string, string | readonly string[] | undefined>;

/** Why a delivery was refused. */
export type WebhookFailure = 'MISSING_HEADERS' | 'TIMESTAMP_OUT_OF_RANGE' | 'BAD_SIGNATURE' | 'INVALID_BODY';

/** A delivery that must not be trusted: unsigned, signed with another secret, altered, or replayed. */
export class WebhookVerificationError extends EudrError {
  override readonly name = 'WebhookVerificationError';
  readonly reason: WebhookFailure;

  constructor(reason: WebhookFailure, message: string) {
    super('WEBHOOK_VERIFICATION_FAILED', message);
    this.reason = reason;
  }
}

/** A verified delivery. */
export interface VerifiedWebhook {
  event: WebhookEvent;
  /** The delivery id (`webhook-id` / `X-Webhook-Delivery`): the same on every retry, to deduplicate on. */
  id: string | undefined;
  /** When this attempt was signed, Unix seconds. */
  timestamp: number;
  /** Which signature was checked. */
  scheme: 'standard-webhooks' | 'platform';
}

/** Options of {@link verifyWebhook}. */
export interface VerifyWebhookOptions {
  /** Largest accepted distance between the signed timestamp and now, in seconds; default 300. */
  toleranceSeconds?: number;
  /** Epoch milliseconds; default `Date.now`. */
  now?: () => number;
}

const SECRET_PREFIX = 'whsec_';
const encoder = new TextEncoder();

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value.join(' ') : (value as string | undefined);
}

function concat(prefix: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const head = encoder.encode(prefix);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function fromHex(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^(?:[0-9a-f]{2})+$/i.test(text)) return undefined;
  return Uint8Array.from(text.match(/../g) ?? [], (byte) => parseInt(byte, 16));
}

/** Web Crypto's HMAC-SHA256 check, constant time. Available in browsers and Node 20+. */
async function hmacValid(
  key: Uint8Array<ArrayBuffer>,
  signature: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
) {
  const cryptoKey = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'verify',
  ]);
  return crypto.subtle.verify('HMAC', cryptoKey, signature, data);
}

/**
 * Verifies a delivery of the platform and returns its parsed body. Pass the raw body exactly as
 * received (before any JSON parsing) and the subscription's secret (`whsec_…`).
 *
 * Both schemes the platform sends are understood: the Standard Webhooks headers (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature: v1,<base64>` keyed with the base64 part of the secret) are
 * checked when present, else the platform's (`X-Webhook-Timestamp`, `X-Webhook-Signature:
 * sha256=<hex>` keyed with the whole secret). A timestamp further than `toleranceSeconds` from now is
 * refused, so a captured delivery cannot be replayed later; within the window, deduplicate on `id`.
 *
 * @throws WebhookVerificationError naming the reason.
 */
export async function verifyWebhook(
  headers: WebhookHeaders,
  rawBody: string | Uint8Array,
  secret: string,
  options: VerifyWebhookOptions = {},
): Promise<VerifiedWebhook> {
  const body = typeof rawBody === 'string' ? encoder.encode(rawBody) : rawBody;
  const standardSignature = header(headers, 'webhook-signature');
  const scheme = standardSignature === undefined ? 'platform' : 'standard-webhooks';
  const id = header(headers, 'webhook-id') ?? header(headers, 'x-webhook-delivery');
  const timestampText =
    scheme === 'standard-webhooks'
      ? header(headers, 'webhook-timestamp')
      : header(headers, 'x-webhook-timestamp');
  const platformSignature = header(headers, 'x-webhook-signature');
  if (
    timestampText === undefined ||
    !/^\d+$/.test(timestampText) ||
    (scheme === 'standard-webhooks' ? id === undefined : platformSignature === undefined)
  ) {
    throw new WebhookVerificationError(
      'MISSING_HEADERS',
      'Not a signed delivery: expected webhook-id, webhook-timestamp and webhook-signature, or X-Webhook-Timestamp and X-Webhook-Signature.',
    );
  }
  const timestamp = Number(timestampText);
  const tolerance = options.toleranceSeconds ?? 300;
  const nowSeconds = (options.now ?? Date.now)() / 1000;
  if (Math.abs(nowSeconds - timestamp) > tolerance) {
    throw new WebhookVerificationError(
      'TIMESTAMP_OUT_OF_RANGE',
      `The delivery was signed ${Math.round(nowSeconds - timestamp)} s from now, more than the ${tolerance} s allowed: a replay, or a clock that is wrong.`,
    );
  }

  let valid = false;
  if (scheme === 'standard-webhooks') {
    const key = fromBase64(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret);
    const data = concat(`${id}.${timestampText}.`, body);
    // Several space-separated signatures may be sent while a secret is being rotated.
    for (const candidate of (standardSignature ?? '').split(' ')) {
      const signature = candidate.startsWith('v1,') ? fromBase64(candidate.slice(3)) : undefined;
      if (key !== undefined && signature !== undefined && (await hmacValid(key, signature, data)))
        valid = true;
    }
  } else {
    const signature = platformSignature?.startsWith('sha256=')
      ? fromHex(platformSignature.slice(7))
      : undefined;
    const data = concat(`${timestampText}.`, body);
    valid = signature !== undefined && (await hmacValid(encoder.encode(secret), signature, data));
  }
  if (!valid) {
    throw new WebhookVerificationError(
      'BAD_SIGNATURE',
      'The signature does not match: the body was changed, or it was signed with another secret.',
    );
  }
  try {
    const event = JSON.parse(new TextDecoder().decode(body)) as WebhookEvent;
    return { event, id, timestamp, scheme };
  } catch {
    throw new WebhookVerificationError('INVALID_BODY', 'The signed body is not JSON.');
  }
}
