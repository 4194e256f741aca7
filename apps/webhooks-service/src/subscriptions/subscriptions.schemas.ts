import { pageQueryShape } from '@eudr/service-kit';
import { DOMAIN_EVENT_TYPES } from '@eudr/events';
import type { DomainEventType } from '@eudr/events';
import { z } from 'zod';

/** Longest target URL accepted, in characters. */
export const MAX_URL_LENGTH = 2048;

const URL_MESSAGE = 'must be an absolute http or https URL, e.g. https://erp.example.com/webhooks';

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A receiver URL: http(s), at most 2048 characters, without user info (credentials do not belong in it). */
export const targetUrlSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .trim()
  .min(1, 'must not be empty')
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .refine(isHttpUrl, { error: URL_MESSAGE })
  .refine(
    (value) => {
      // Refinements all run; a value the previous one refused is reported there only.
      if (!isHttpUrl(value)) return true;
      const url = new URL(value);
      return url.username === '' && url.password === '';
    },
    { error: 'must not contain a user name or password; authenticate the request with its signature' },
  );

const EVENTS_MESSAGE = `must be a non-empty list of event types: ${DOMAIN_EVENT_TYPES.join(', ')}`;

/** A non-empty list of distinct known event types. */
export const eventListSchema = z
  .array(
    z.enum(DOMAIN_EVENT_TYPES, {
      error: (issue) => `unknown event type ${JSON.stringify(issue.input)}; ${EVENTS_MESSAGE}`,
    }),
    { error: EVENTS_MESSAGE },
  )
  .min(1, EVENTS_MESSAGE)
  .refine((events) => new Set(events).size === events.length, { error: 'must not list an event type twice' });

/** `POST /webhook-events`. Unknown fields are ignored. */
export const createSubscriptionSchema = z.object(
  { url: targetUrlSchema, events: eventListSchema },
  { error: 'must be a JSON object of the form {"url": "...", "events": [...]}' },
);
/** A validated create request. */
export type CreateSubscriptionInput = z.output<typeof createSubscriptionSchema>;

/** `PATCH /webhook-events/:id`: any of url, events, active; at least one. */
export const updateSubscriptionSchema = z
  .object(
    {
      url: targetUrlSchema.optional(),
      events: eventListSchema.optional(),
      active: z.boolean({ error: 'must be true or false' }).optional(),
    },
    { error: 'must be a JSON object with any of "url", "events" and "active"' },
  )
  .refine((body) => body.url !== undefined || body.events !== undefined || body.active !== undefined, {
    error: 'must set at least one of "url", "events" and "active"',
  });
/** A validated update request. */
export type UpdateSubscriptionInput = z.output<typeof updateSubscriptionSchema>;

/** `?page=&limit=` of both lists: page >= 1 (default 1), limit 1..100 (default 50); out of range is a 400. */
export const pageQuerySchema = z.object(pageQueryShape);
/** A validated page request. */
export type PageQuery = z.output<typeof pageQuerySchema>;

const INTEGRATION_ID_MESSAGE = 'must be an integration id (int_ and 24 lowercase hex characters), given once';

/** An integration id (`int_` + 24 lowercase hex), checked by length before any pattern. */
export const integrationIdSchema = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : INTEGRATION_ID_MESSAGE) })
  .refine(
    (value) => value.length === 28 && value.startsWith('int_') && /^[0-9a-f]{24}$/.test(value.slice(4)),
    {
      error: INTEGRATION_ID_MESSAGE,
    },
  );

/** `GET /api/v1/admin/webhooks?integrationId=&page=&limit=`: one integration's subscriptions. */
export const adminListQuerySchema = z.object({ integrationId: integrationIdSchema, ...pageQueryShape });
/** A validated admin list request. */
export type AdminListQuery = z.output<typeof adminListQuerySchema>;

/** `POST /api/v1/admin/webhooks`: a subscription of the named integration. Unknown fields are ignored. */
export const adminCreateSubscriptionSchema = z.object(
  { integrationId: integrationIdSchema, url: targetUrlSchema, events: eventListSchema },
  { error: 'must be a JSON object of the form {"integrationId": "int_...", "url": "...", "events": [...]}' },
);
/** A validated admin create request. */
export type AdminCreateSubscriptionInput = z.output<typeof adminCreateSubscriptionSchema>;

/** A subscription as the API shows it (never with its secret, except once in {@link CreatedSubscription}). */
export interface SubscriptionView {
  id: string;
  url: string;
  events: DomainEventType[];
  active: boolean;
  integrationId: string;
  consecutiveFailures: number;
  disabledAt: string | null;
  disabledReason: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The 201 body of a create: the only response that carries the secret. */
export type CreatedSubscription = SubscriptionView & { secret: string };

/** One attempt in a delivery's history. */
export interface AttemptView {
  at: string;
  success: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

/** A delivery as the API shows it. */
export interface DeliveryView {
  id: string;
  event: string;
  eventId: string | null;
  test: boolean;
  status: 'PENDING' | 'DELIVERED' | 'FAILED' | 'SKIPPED';
  attemptCount: number;
  attempts: AttemptView[];
  nextAttemptAt: string | null;
  reason: string | null;
  subscriptionDisabled: boolean;
  createdAt: string;
  updatedAt: string;
}

/** The newest delivery of a subscription, as the admin list shows it. */
export interface DeliverySummary {
  id: string;
  event: string;
  test: boolean;
  status: DeliveryView['status'];
  attemptCount: number;
  /** Its latest attempt; null while the first is still to come (or when it was skipped). */
  lastAttempt: AttemptView | null;
  createdAt: string;
}

/** A subscription as the admin routes show it: with its newest delivery. */
export type SubscriptionOverview = SubscriptionView & { lastDelivery: DeliverySummary | null };

/** The answer of `POST /:id/test`: the attempt, as a delivery's history shows it, without its time. */
export interface TestDeliveryResult extends Omit<AttemptView, 'at'> {
  deliveryId: string;
}
