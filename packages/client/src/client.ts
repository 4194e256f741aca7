import createFetchClient from 'openapi-fetch';
import type { Client as FetchClient } from 'openapi-fetch';
import { pushInChunks } from './bulk';
import type { ChunkAnswer, PushOptions, PushResult } from './bulk';
import { EudrError, TokenFormatError, apiErrorFrom } from './errors';
import type { components, paths } from './generated/openapi';
import { createRateBudget } from './rate-budget';
import type { RateBudget, RateLimitState } from './rate-budget';
import { checkToken, tokenDisplayPrefix } from './token';
import { createTransport } from './transport';
import type { RetryOptions } from './transport';

type Schemas = components['schemas'];
export type TokenInfo = Schemas['TokenInfo'];
export type SupplierInput = Schemas['SupplierInput'];
export type Supplier = Schemas['Supplier'];
export type ProductInput = Schemas['ProductInput'];
export type Product = Schemas['Product'];
export type BatchInput = Schemas['BatchInput'];
export type Batch = Schemas['Batch'];
export type BatchDds = Schemas['BatchDds'];
export type EntityType = Schemas['EntityType'];
export type SyncStatusSummary = Schemas['SyncStatusSummary'];
export type SyncRecord = Schemas['SyncRecord'];
export type SyncLogEntry = Schemas['SyncLogEntry'];
export type WebhookSubscriptionInput = Schemas['WebhookSubscriptionInput'];
export type WebhookSubscriptionUpdate = Schemas['WebhookSubscriptionUpdate'];
export type WebhookSubscription = Schemas['WebhookSubscription'];
export type CreatedWebhookSubscription = Schemas['CreatedWebhookSubscription'];
export type WebhookTestResult = Schemas['WebhookTestResult'];
export type WebhookDelivery = Schemas['WebhookDelivery'];

/** The local stack's edge (`npm start`). */
export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080';

/** Options of {@link EudrClient}. */
export interface ClientOptions {
  /** The integration token (`eudr_live_…`). Checked (format, checksum) before anything is sent. */
  token: string;
  /** The platform's base URL, without `/api/v1`; default the local stack's. */
  baseUrl?: string;
  /** Bulk requests in flight at once during a push; default 4. */
  concurrency?: number;
  retry?: RetryOptions;
  /** The fetch to send with; default the global one. */
  fetch?: (request: Request) => Promise<Response>;
}

/** Options of a list: records synced after `since`, fetched `pageSize` (1 to 100, default 100) at a time. */
export interface ListOptions {
  since?: string | Date;
  pageSize?: number;
  signal?: AbortSignal;
}

interface Page<T> {
  entities?: T[];
  total: number;
}

/** Any answer of openapi-fetch: the parsed body on success, the parsed error body otherwise. */
type Answer<D> = Promise<{ data?: D; error?: unknown; response: Response }>;

/** The body of a successful answer, or the answer's {@link ApiError}. */
async function unwrap<D>(pending: Answer<D>): Promise<D> {
  const { data, error, response } = await pending;
  if (!response.ok) throw apiErrorFrom(response, error);
  return data as D;
}

async function* paginate<T>(
  fetchPage: (page: number, limit: number) => Promise<Page<T>>,
  pageSize = 100,
): AsyncGenerator<T, void, undefined> {
  for (let page = 1; ; page += 1) {
    const { entities = [], total } = await fetchPage(page, pageSize);
    yield* entities;
    if (entities.length < pageSize || page * pageSize >= total) return;
  }
}

const since = (value: string | Date | undefined) =>
  value === undefined ? {} : { since: value instanceof Date ? value.toISOString() : value };

function newRequestId(): string {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * A client of the Integration API for one token.
 *
 * ```ts
 * const eudr = new EudrClient({ token: process.env.EUDR_TOKEN!, baseUrl: 'https://eudr.example.com' });
 * const result = await eudr.suppliers.upsert(suppliers);       // any number of records
 * for await (const batch of eudr.batches.list({ since: '2025-01-01' })) console.log(batch.externalId);
 * ```
 *
 * The token lives only in the request middleware: it is never a property, and `toString()`, `toJSON()`
 * and `util.inspect` show its display prefix only.
 */
export class EudrClient {
  readonly baseUrl: string;
  readonly #api: FetchClient<paths>;
  readonly #budget: RateBudget;
  readonly #concurrency: number;
  readonly #tokenPrefix: string;

  /** @throws TokenFormatError when the token's format or checksum is wrong (nothing is sent). */
  constructor(options: ClientOptions) {
    const check = checkToken(options.token);
    if (!check.ok) throw new TokenFormatError(check.code, check.message);
    const token = options.token;
    this.baseUrl = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#tokenPrefix = tokenDisplayPrefix(token);
    this.#concurrency = options.concurrency ?? 4;
    this.#budget = createRateBudget();
    const send = options.fetch ?? ((request: Request) => fetch(request));
    this.#api = createFetchClient<paths>({
      baseUrl: this.baseUrl,
      fetch: createTransport({
        fetch: send,
        budget: this.#budget,
        ...(options.retry ? { retry: options.retry } : {}),
      }),
    });
    this.#api.use({
      onRequest({ request }) {
        request.headers.set('authorization', `Bearer ${token}`);
        // One id per call, kept across its retries, so the platform's logs show them together.
        if (!request.headers.has('x-request-id')) request.headers.set('x-request-id', newRequestId());
        return request;
      },
    });
  }

  /** What the token is and may do: id, name, scopes, expiry and integration (`GET /token`). */
  whoami(signal?: AbortSignal): Promise<TokenInfo> {
    return unwrap(this.#api.GET('/api/v1/integration/token', { ...(signal ? { signal } : {}) }));
  }

  /** What the rate-limit headers said last (limit, remaining, window end), minus what was sent since. */
  rateLimit(): RateLimitState {
    return this.#budget.state();
  }

  #push<T>(
    records: readonly T[],
    send: (chunk: T[], signal?: AbortSignal) => Promise<ChunkAnswer>,
    options: PushOptions,
  ) {
    return pushInChunks(records, (chunk) => send(chunk, options.signal), {
      ...options,
      concurrency: options.concurrency ?? this.#concurrency,
    });
  }

  readonly suppliers = {
    /** Creates or updates any number of suppliers (see {@link pushInChunks}); one result in input order. */
    upsert: (records: readonly SupplierInput[], options: PushOptions = {}): Promise<PushResult> =>
      this.#push(
        records,
        (suppliers, signal) =>
          unwrap(
            this.#api.POST('/api/v1/integration/suppliers', {
              body: { suppliers },
              ...(signal ? { signal } : {}),
            }),
          ),
        options,
      ),
    /** Every supplier (synced after `since`), page by page. */
    list: (options: ListOptions = {}): AsyncGenerator<Supplier, void, undefined> =>
      paginate(
        (page, limit) =>
          unwrap(
            this.#api.GET('/api/v1/integration/suppliers', {
              params: { query: { page, limit, ...since(options.since) } },
              ...(options.signal ? { signal: options.signal } : {}),
            }),
          ),
        options.pageSize,
      ),
    /** @throws ApiError NOT_FOUND when the organisation has no such supplier. */
    get: (externalId: string): Promise<Supplier> =>
      unwrap(
        this.#api.GET('/api/v1/integration/suppliers/{externalId}', { params: { path: { externalId } } }),
      ),
  };

  readonly products = {
    /** Creates or updates any number of products; one result in input order. */
    upsert: (records: readonly ProductInput[], options: PushOptions = {}): Promise<PushResult> =>
      this.#push(
        records,
        (products, signal) =>
          unwrap(
            this.#api.POST('/api/v1/integration/products', {
              body: { products },
              ...(signal ? { signal } : {}),
            }),
          ),
        options,
      ),
    list: (options: ListOptions = {}): AsyncGenerator<Product, void, undefined> =>
      paginate(
        (page, limit) =>
          unwrap(
            this.#api.GET('/api/v1/integration/products', {
              params: { query: { page, limit, ...since(options.since) } },
              ...(options.signal ? { signal: options.signal } : {}),
            }),
          ),
        options.pageSize,
      ),
    get: (externalId: string): Promise<Product> =>
      unwrap(
        this.#api.GET('/api/v1/integration/products/{externalId}', { params: { path: { externalId } } }),
      ),
  };

  readonly batches = {
    /**
     * Creates or updates any number of batches; with `autoCreateDDS`, a DRAFT DDS for each created
     * batch whose product has an hsCode, listed in `ddsCreated`.
     */
    upsert: async (
      records: readonly BatchInput[],
      options: PushOptions & { autoCreateDDS?: boolean } = {},
    ): Promise<PushResult> => {
      const { autoCreateDDS = false, ...push } = options;
      const result = await this.#push(
        records,
        (batches, signal) =>
          unwrap(
            this.#api.POST('/api/v1/integration/batches', {
              body: { batches, autoCreateDDS },
              ...(signal ? { signal } : {}),
            }),
          ),
        push,
      );
      if (autoCreateDDS) result.ddsCreated ??= [];
      return result;
    },
    list: (options: ListOptions = {}): AsyncGenerator<Batch, void, undefined> =>
      paginate(
        (page, limit) =>
          unwrap(
            this.#api.GET('/api/v1/integration/batches', {
              params: { query: { page, limit, ...since(options.since) } },
              ...(options.signal ? { signal: options.signal } : {}),
            }),
          ),
        options.pageSize,
      ),
    get: (externalId: string): Promise<Batch> =>
      unwrap(this.#api.GET('/api/v1/integration/batches/{externalId}', { params: { path: { externalId } } })),
  };

  readonly dds = {
    /** The DDS view of a batch: product, supplier, DDS number and status, submission history. */
    get: (batchExternalId: string): Promise<BatchDds> =>
      unwrap(
        this.#api.GET('/api/v1/integration/dds/{batchExternalId}', { params: { path: { batchExternalId } } }),
      ),
  };

  readonly sync = {
    /** The number of records per entity type. */
    status: async (): Promise<SyncStatusSummary> => {
      const answer = await unwrap(this.#api.GET('/api/v1/integration/sync-status', {}));
      if (!('suppliers' in answer))
        throw new EudrError('INVALID_RESPONSE', 'sync-status answered a list, not counts');
      return answer;
    },
    /** The sync status of one entity type's records, optionally only `externalIds` or those synced after `since`. */
    records: (
      entityType: EntityType,
      options: ListOptions & { externalIds?: readonly string[] } = {},
    ): AsyncGenerator<SyncRecord, void, undefined> =>
      paginate(async (page, limit) => {
        const answer = await unwrap(
          this.#api.GET('/api/v1/integration/sync-status', {
            params: {
              query: {
                entityType,
                page,
                limit,
                ...since(options.since),
                ...(options.externalIds ? { externalIds: options.externalIds.join(',') } : {}),
              },
            },
            ...(options.signal ? { signal: options.signal } : {}),
          }),
        );
        if (!('entities' in answer))
          throw new EudrError('INVALID_RESPONSE', 'sync-status answered counts, not a list');
        return answer;
      }, options.pageSize),
    /** The log of bulk requests, newest first. */
    logs: (options: Omit<ListOptions, 'since'> = {}): AsyncGenerator<SyncLogEntry, void, undefined> =>
      paginate(
        (page, limit) =>
          unwrap(
            this.#api.GET('/api/v1/integration/sync-logs', {
              params: { query: { page, limit } },
              ...(options.signal ? { signal: options.signal } : {}),
            }),
          ),
        options.pageSize,
      ),
  };

  readonly webhooks = {
    /** Subscribes the token's integration; the answer's `secret` is shown only here. */
    create: (input: WebhookSubscriptionInput): Promise<CreatedWebhookSubscription> =>
      unwrap(this.#api.POST('/api/v1/integration/webhook-events', { body: input })),
    list: (options: Omit<ListOptions, 'since'> = {}): AsyncGenerator<WebhookSubscription, void, undefined> =>
      paginate(
        (page, limit) =>
          unwrap(this.#api.GET('/api/v1/integration/webhook-events', { params: { query: { page, limit } } })),
        options.pageSize,
      ),
    get: (webhookId: string): Promise<WebhookSubscription> =>
      unwrap(
        this.#api.GET('/api/v1/integration/webhook-events/{webhookId}', { params: { path: { webhookId } } }),
      ),
    update: (webhookId: string, changes: WebhookSubscriptionUpdate): Promise<WebhookSubscription> =>
      unwrap(
        this.#api.PATCH('/api/v1/integration/webhook-events/{webhookId}', {
          params: { path: { webhookId } },
          body: changes,
        }),
      ),
    delete: async (webhookId: string): Promise<void> => {
      await unwrap(
        this.#api.DELETE('/api/v1/integration/webhook-events/{webhookId}', {
          params: { path: { webhookId } },
        }),
      );
    },
    /** Sends one signed test delivery now and reports how it went. */
    test: (webhookId: string): Promise<WebhookTestResult> =>
      unwrap(
        this.#api.POST('/api/v1/integration/webhook-events/{webhookId}/test', {
          params: { path: { webhookId } },
        }),
      ),
    /** The subscription's deliveries, newest first, with their attempts. */
    deliveries: (webhookId: string, options: Omit<ListOptions, 'since'> = {}) =>
      paginate<WebhookDelivery>(
        (page, limit) =>
          unwrap(
            this.#api.GET('/api/v1/integration/webhook-events/{webhookId}/deliveries', {
              params: { path: { webhookId }, query: { page, limit } },
            }),
          ),
        options.pageSize,
      ),
  };

  toString(): string {
    return `EudrClient(${this.baseUrl}, token ${this.#tokenPrefix})`;
  }

  toJSON(): { baseUrl: string; token: string } {
    return { baseUrl: this.baseUrl, token: this.#tokenPrefix };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
