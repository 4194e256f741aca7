import createClient from 'openapi-fetch';
import type { components, paths } from './generated/openapi';

/** The API's schemas, generated from the OpenAPI document. */
export type Schemas = components['schemas'];
export type Integration = Schemas['Integration'];
export type Token = Schemas['TokenFields'];
export type CreatedToken = Schemas['CreatedToken'];
export type RotatedToken = Schemas['RotatedToken'];
export type TokenUsage = Schemas['TokenUsage'];
export type UsageCounts = Schemas['UsageCounts'];
export type Scope = Schemas['Scope'];
export type ScopeDefinition = Schemas['ScopeDefinition'];
export type AuditEntry = Schemas['AuditEntry'];

/** One page of an admin list. */
export interface Page<T> {
  data: T[];
  total: number;
  page: number;
  limit: number;
}

/** A field the API refused, and why (shown next to the form field). */
export interface FieldIssue {
  field: string;
  message: string;
}

/** A failed call, in words: `message` is what the console shows; never the raw body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldIssue[] = [],
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const GENERIC: Record<number, string> = {
  401: 'Your sign-in has expired. Sign in again to continue.',
  403: 'Your account may not do this.',
  404: 'Not found: it does not exist, or it belongs to another organisation.',
  413: 'That is too large to send.',
  500: 'Something went wrong on the platform. Try again; if it keeps failing, quote the reference below.',
  502: 'The platform is not available right now. Try again in a moment.',
  503: 'The platform is not available right now. Try again in a moment.',
  504: 'The platform took too long to answer. Try again in a moment.',
};

/** `rateLimitPerMinute` → "Rate limit per minute", `scopes[2]` → "Scopes (item 3)": a field as people say it. */
export function humanField(field: string): string {
  const words = field
    .replace(/\[(\d+)\]/g, (_, i: string) => ` (item ${Number(i) + 1})`)
    .replace(/\./g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Turns an error answer into words: the API's own message where it has one meant for people. */
export function toApiError(response: Response, body: unknown): ApiError {
  const envelope = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const code = typeof envelope['error'] === 'string' ? envelope['error'] : `HTTP_${response.status}`;
  const requestId =
    (typeof envelope['requestId'] === 'string' ? envelope['requestId'] : undefined) ??
    response.headers.get('x-request-id') ??
    undefined;
  const details = envelope['details'];
  const fields = Array.isArray(details)
    ? details.filter(
        (d): d is FieldIssue =>
          typeof d === 'object' && d !== null && typeof d.field === 'string' && typeof d.message === 'string',
      )
    : [];
  const apiMessage = typeof envelope['message'] === 'string' ? envelope['message'] : undefined;
  let message: string;
  if (response.status === 429) {
    const wait = Number(response.headers.get('retry-after'));
    message = `Too many requests. ${Number.isFinite(wait) && wait > 0 ? `Wait ${wait} seconds` : 'Wait a moment'} and try again.`;
  } else if (response.status >= 500) {
    message = GENERIC[response.status] ?? GENERIC[500] ?? '';
  } else if (code === 'VALIDATION_ERROR' && fields.length > 0) {
    message = `${fields
      .slice(0, 5)
      .map((f) => `${humanField(f.field)} ${f.message}`)
      .join('. ')}.`;
  } else if (response.status === 409) {
    message = `${apiMessage ?? 'This conflicts with a change made at the same time.'} Reload the page to see the latest state.`;
  } else {
    message = apiMessage ?? GENERIC[response.status] ?? `The request was refused (HTTP ${response.status}).`;
  }
  return new ApiError(response.status, code, message, fields, requestId);
}

export const NETWORK_ERROR = new ApiError(
  0,
  'NETWORK',
  'The console cannot reach the platform. Check your connection, then try again.',
);

/** A failed call in words: an {@link ApiError} as it is, anything else as the network failure it was. */
export const asApiError = (err: unknown): ApiError => (err instanceof ApiError ? err : NETWORK_ERROR);

/** What a call needs from the session: a token, a way to renew it, and who to tell about a refusal. */
export interface ApiSession {
  accessToken(): Promise<string | null>;
  renew(): Promise<string | null>;
  signInAgain(): void;
  refused(message: string): void;
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/**
 * The typed admin API client (paths and bodies from the OpenAPI document) with the session's bearer.
 * {@link Api.call} answers the data or throws an {@link ApiError}; an expired sign-in is renewed once
 * and the call repeated; a refusal for not being an admin goes to the session (the refused page).
 */
export class Api {
  readonly client;
  private token: string | null = null;

  constructor(private readonly session: ApiSession) {
    this.client = createClient<paths>({ baseUrl: window.location.origin });
    this.client.use({
      onRequest: ({ request }) => {
        if (this.token !== null) request.headers.set('Authorization', `Bearer ${this.token}`);
        return request;
      },
    });
  }

  async call<T>(run: () => Promise<Result<T>>): Promise<T> {
    this.token ??= await this.session.accessToken();
    let result: Result<T>;
    try {
      result = await run();
      if (result.response.status === 401) {
        this.token = await this.session.renew();
        if (this.token !== null) result = await run();
      }
    } catch {
      throw NETWORK_ERROR;
    }
    const { data, error, response } = result;
    if (response.ok) return data as T;
    const failure = toApiError(response, error);
    if (response.status === 401) this.session.signInAgain();
    if (response.status === 403 && failure.code === 'FORBIDDEN') this.session.refused(failure.message);
    throw failure;
  }

  /** Forgets the bearer (after a renewal elsewhere, or on sign-out). */
  setToken(token: string | null): void {
    this.token = token;
  }
}
export type AdminWebhook = Schemas['AdminWebhook'];
export type AdminCreatedWebhook = Schemas['AdminCreatedWebhook'];
export type WebhookEventType = Schemas['WebhookEventType'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type WebhookTestResult = Schemas['WebhookTestResult'];
export type SyncLogDetail = Schemas['SyncLogDetail'];
export type SyncStatusSummary = Schemas['SyncStatusSummary'];
export type EntityType = Schemas['EntityType'];
